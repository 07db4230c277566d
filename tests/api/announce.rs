//! `quietlist announce`: the owner writes to the list, within the promise. The real binary
//! queues; the running app's outbox sends through the real SMTP server on loopback.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::helpers::*;
use crate::promise::confirmed_person;

const SYLLABUS: &str = "https://example.org/syllabus?utm_source=owner&x=1";

fn announcement_file(app: &TestApp, name: &str, front: &str, body: &str) -> PathBuf {
    let path = app
        .data_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{name}.md"));
    std::fs::write(&path, format!("+++\n{front}\n+++\n\n{body}\n")).unwrap();
    path
}

fn dates_file(app: &TestApp) -> PathBuf {
    announcement_file(
        app,
        "dates",
        "subject = \"The pilot's dates are set\"\nid = \"dates-2026\"",
        &format!(
            "Hello {{{{ name }}}},\n\nThe pilot starts in June. Read [the syllabus]({SYLLABUS}) or {SYLLABUS}.\n\n<img src=\"https://tracker.example/p.gif\">"
        ),
    )
}

fn run_announce(app: &TestApp, file: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = quietlist_command_on(&app.data_dir);
    command.arg("announce").arg(LIST).arg(file).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run quietlist announce")
}

/// Runs `quietlist announce` and returns what it printed; it must succeed.
fn announce(app: &TestApp, file: &Path, args: &[&str]) -> String {
    let output = run_announce(app, file, args, &[]);
    assert!(
        output.status.success(),
        "announce failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The figures line with the verb made the same, so a dry run and a real run compare.
fn figures(printed: &str) -> String {
    printed
        .lines()
        .next()
        .unwrap_or("")
        .replace("would get it", "queued")
}

fn announcements_to(app: &TestApp, email: &str) -> Vec<ReceivedMail> {
    app.mails_to(email)
        .into_iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("dates are set")))
        .collect()
}

/// Long enough for the outbox (which polls every 2 s) to send whatever it would.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(3_000)).await;
}

async fn wait_for_announcement(app: &TestApp, email: &str) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        if let Some(mail) = announcements_to(app, email).pop() {
            return mail;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no announcement reached {email}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Pending, confirmed, unsubscribed and erased people on one list.
async fn a_list_of_everyone(app: &TestApp) {
    app.sign_up("pending@example.com").await;
    confirmed_person(app, "confirmed@example.com").await;
    let (unsubscribe, _) = confirmed_person(app, "gone@example.com").await;
    assert_eq!(
        app.client
            .post(&unsubscribe)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let (_, manage) = confirmed_person(app, "erased@example.com").await;
    erase_through(app, &manage).await;
}

#[tokio::test]
async fn an_announcement_reaches_confirmed_people_and_no_one_else() {
    let app = spawn_app().await;
    a_list_of_everyone(&app).await;
    let file = dates_file(&app);
    let printed = announce(&app, &file, &[]);
    assert!(
        printed.contains("1 queued (of 1 in the chosen statuses)"),
        "{printed}"
    );
    assert!(printed.contains("1 unsubscribed"), "{printed}");
    wait_for_announcement(&app, "confirmed@example.com").await;
    settle().await;
    for nobody in [
        "pending@example.com",
        "gone@example.com",
        "erased@example.com",
    ] {
        assert!(announcements_to(&app, nobody).is_empty(), "{nobody} got it");
    }
    let log = String::from_utf8(
        quietlist_command_on(&app.data_dir)
            .args(["audit", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let entry: serde_json::Value = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["action"] == "announce")
        .unwrap_or_else(|| panic!("no announcement in the audit log:\n{log}"));
    assert_eq!(entry["subject"], "list:pilot-course");
    assert_eq!(entry["rows"], 1);
    assert!(entry["actor"].as_str().unwrap().starts_with("cli:"));
    assert!(entry["detail"].as_str().unwrap().contains("id:dates-2026"));
}

#[tokio::test]
async fn pending_or_unsubscribed_people_cannot_be_chosen() {
    let app = spawn_app().await;
    let file = dates_file(&app);
    for to in ["pending", "unsubscribed", "confirmed,pending"] {
        let output = run_announce(&app, &file, &["--to", to], &[]);
        assert!(!output.status.success(), "--to {to} was accepted");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--to"),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[tokio::test]
async fn sending_the_same_announcement_again_adds_no_mail() {
    let app = spawn_app().await;
    confirmed_person(&app, "once@example.com").await;
    let with_id = dates_file(&app);
    announce(&app, &with_id, &[]);
    let again = announce(&app, &with_id, &[]);
    assert!(again.contains("0 queued"), "{again}");
    assert!(again.contains("1 already got it"), "{again}");
    wait_for_announcement(&app, "once@example.com").await;
    // Without an id, the same content is the same announcement. (A newcomer: the first
    // person's fourth place under the cap is kept for their invitation.)
    confirmed_person(&app, "twice@example.com").await;
    let without_id = announcement_file(
        &app,
        "no-id",
        "subject = \"The dates are set, again\"",
        "Same text.",
    );
    let first = announce(&app, &without_id, &[]);
    assert!(first.contains("1 queued"), "{first}");
    wait_for_announcement(&app, "twice@example.com").await;
    let repeat = announce(&app, &without_id, &[]);
    assert!(repeat.contains("0 queued"), "{repeat}");
    assert!(repeat.contains("1 already got it"), "{repeat}");
    settle().await;
    assert_eq!(announcements_to(&app, "twice@example.com").len(), 1);
    assert_eq!(announcements_to(&app, "once@example.com").len(), 1);
}

#[tokio::test]
async fn the_dry_run_figures_are_the_real_ones_and_it_sends_nothing() {
    let app = spawn_app().await;
    a_list_of_everyone(&app).await;
    confirmed_person(&app, "second@example.com").await;
    let file = dates_file(&app);
    // With a cap of 3, both confirmed people (2 mails each) are at the kept place.
    let capped = [("QUIETLIST_MAIL_CAP", "3")];
    let dry_capped = run_announce(&app, &file, &["--dry-run"], &capped);
    let real_capped = run_announce(&app, &file, &[], &capped);
    let dry_capped = String::from_utf8_lossy(&dry_capped.stdout).into_owned();
    let real_capped = String::from_utf8_lossy(&real_capped.stdout).into_owned();
    assert!(real_capped.contains("2 at the mail cap"), "{real_capped}");
    assert_eq!(figures(&dry_capped), figures(&real_capped));
    // With the app's cap of 4, both get it: the dry run says so and sends nothing.
    let dry = announce(&app, &file, &["--dry-run", "--to", "confirmed,invited"]);
    settle().await;
    assert!(announcements_to(&app, "confirmed@example.com").is_empty());
    let real = announce(&app, &file, &["--to", "confirmed,invited"]);
    assert!(dry.contains("2 would get it"), "{dry}");
    assert_eq!(figures(&dry), figures(&real));
    wait_for_announcement(&app, "confirmed@example.com").await;
    wait_for_announcement(&app, "second@example.com").await;
}

#[tokio::test]
async fn an_announcement_never_takes_the_last_place_under_the_cap() {
    // Confirmation and welcome: 2 of 3. The third is kept for an invitation.
    let app = spawn_app_with(|c| c.mail_cap = 3).await;
    confirmed_person(&app, "capped@example.com").await;
    let file = dates_file(&app);
    // Even when the command is run with a higher cap than the server's, the outbox holds
    // the server's at hand-off.
    announce(&app, &file, &[]);
    settle().await;
    assert!(
        announcements_to(&app, "capped@example.com").is_empty(),
        "the announcement took the place kept for the invitation"
    );
    let capped = run_announce(
        &app,
        &announcement_file(&app, "b", "subject = \"The dates are set (2)\"", "B"),
        &[],
        &[("QUIETLIST_MAIL_CAP", "3")],
    );
    let printed = String::from_utf8_lossy(&capped.stdout);
    assert!(printed.contains("1 at the mail cap"), "{printed}");
    let invited = invite_next(&app, "1", "3");
    assert!(invited.contains("invited 1"), "{invited}");
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while app.mails_to("capped@example.com").len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no invitation");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_announcement_carries_one_click_unsubscribe_the_list_and_the_links_the_owner_wrote() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    announce(&app, &dates_file(&app), &[]);
    let mail = wait_for_announcement(&app, "reader@example.com").await;
    let unsubscribe = link_in(&mail, "/unsubscribe/");
    assert_eq!(
        header(&mail, "List-Unsubscribe").as_deref(),
        Some(format!("<{unsubscribe}>").as_str())
    );
    assert_eq!(
        header(&mail, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        header(&mail, "List-Id").is_some_and(|id| id.contains("pilot-course.")),
        "{:?}",
        header(&mail, "List-Id")
    );
    let text = text_body(&mail);
    let html = html_body(&mail);
    assert!(text.starts_with("Hello there,"), "{text}");
    assert!(text.contains(SYLLABUS), "{text}");
    assert!(text.contains("Why you get this"), "{text}");
    link_in(&mail, "/manage/");
    assert!(
        html.contains(&format!("href=\"{}\"", SYLLABUS.replace('&', "&amp;"))),
        "{html}"
    );
    assert!(html.contains(&unsubscribe), "a visible unsubscribe link");
    assert!(!html.contains("<img"), "no image, no pixel: {html}");
    assert!(html.contains("&lt;img"), "raw HTML shown as text");
    // Every link is the owner's, the site's, or the person's own manage/unsubscribe link.
    for link in text.split_whitespace().filter(|w| w.starts_with("http")) {
        let link = link.trim_end_matches(['.', ',', ')']);
        assert!(
            link == SYLLABUS
                || link == app.address
                || link.starts_with(&format!("{}/manage/", app.address))
                || link.starts_with(&format!("{}/unsubscribe/", app.address)),
            "a link the owner did not write: {link}"
        );
    }
    // One click, and the person is off the list.
    let response = app.client.post(&unsubscribe).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        app.status_of("reader@example.com").as_deref(),
        Some("unsubscribed")
    );
}

// Multi-threaded: the SMTP sink must answer while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_copy_goes_to_the_owner_and_counts_against_nobody() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let file = dates_file(&app);
    let before = figures(&announce(&app, &file, &["--dry-run"]));
    let smtp_url = app.smtp().url();
    for to in [
        "owner@example.com",
        "reader@example.com",
        "reader@example.com",
    ] {
        let output = run_announce(
            &app,
            &file,
            &["--test-to", to],
            &[
                ("QUIETLIST_SMTP_URL", smtp_url.as_str()),
                ("QUIETLIST_BASE_URL", app.address.as_str()),
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let test_copy = wait_for_announcement(&app, "owner@example.com").await;
    assert!(header(&test_copy, "Subject").unwrap().starts_with("[test]"));
    assert_eq!(
        header(&test_copy, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    // Two test copies to the reader's own address, and their cap is untouched: the real
    // announcement still goes (2 mails + 1 < 4 only if the copies did not count).
    assert_eq!(figures(&announce(&app, &file, &["--dry-run"])), before);
    announce(&app, &file, &[]);
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while announcements_to(&app, "reader@example.com").len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the real one did not go"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
