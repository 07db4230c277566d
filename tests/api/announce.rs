//! `quietlist announce`: the owner writes to the list, within the promise. The real binary
//! queues; the running app's outbox sends through the real SMTP server on loopback.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use quietlist::mail::SendRate;
use tokio::time::Instant;

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

/// The figures of a dry run (after `KEY "SUBJECT": `), worded as a real run's, so that
/// they compare with `announcements LIST show KEY`.
fn figures(printed: &str) -> String {
    let line = printed.lines().next().unwrap_or("");
    line.split_once("\": ")
        .map_or(line, |(_, figures)| figures)
        .replace("would get it", "queued")
}

fn announcements_to(app: &TestApp, email: &str) -> Vec<ReceivedMail> {
    app.mails_to(email)
        .into_iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("dates are set")))
        .collect()
}

/// Every announcement the sink has received, whoever it went to.
fn all_announcements(app: &TestApp) -> usize {
    app.smtp()
        .mails()
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("dates are set")))
        .count()
}

/// Runs `quietlist announcements LIST ARGS...`.
fn run_announcements(app: &TestApp, args: &[&str]) -> Output {
    quietlist_command_on(&app.data_dir)
        .arg("announcements")
        .arg(LIST)
        .args(args)
        .output()
        .expect("run quietlist announcements")
}

/// `announcements LIST ACTION KEY`, which must succeed; what it printed.
pub(crate) fn steer(app: &TestApp, action: &str, key: &str) -> String {
    let output = run_announcements(app, &[action, key]);
    assert!(
        output.status.success(),
        "{action} {key} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits for the server's dispatcher to finish the run; `announcements LIST show KEY`.
async fn finished(app: &TestApp, key: &str) -> String {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT * 3;
    loop {
        let shown = steer(app, "show", key);
        if shown.lines().next().is_some_and(|l| l.ends_with(": done")) {
            return shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run did not finish:\n{shown}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The figures line of a finished run, worded as a real run's.
pub(crate) async fn run_figures(app: &TestApp, key: &str) -> String {
    let shown = finished(app, key).await;
    shown.lines().nth(1).unwrap_or("").to_owned()
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
        printed.contains("sending to confirmed people: 1 people"),
        "{printed}"
    );
    let figures = run_figures(&app, "dates-2026").await;
    assert!(
        figures.contains("1 queued (of 1 in the chosen statuses)"),
        "{figures}"
    );
    assert!(figures.contains("1 unsubscribed"), "{figures}");
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
    wait_for_announcement(&app, "once@example.com").await;
    finished(&app, "dates-2026").await;
    let again = announce(&app, &with_id, &[]);
    assert!(
        again.contains("sending to confirmed people: 1 people"),
        "{again}"
    );
    let figures = run_figures(&app, "dates-2026").await;
    assert!(figures.contains("0 queued"), "{figures}");
    assert!(figures.contains("1 already got it"), "{figures}");
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
    let key = first.split_whitespace().next().unwrap_or("").to_owned();
    assert!(key.starts_with("sha256:"), "{first}");
    assert!(run_figures(&app, &key).await.contains("1 queued"));
    wait_for_announcement(&app, "twice@example.com").await;
    announce(&app, &without_id, &[]);
    let repeat = run_figures(&app, &key).await;
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
    // The app's cap of 4: both get it; the dry run says so and sends nothing.
    let dry = announce(&app, &file, &["--dry-run", "--to", "confirmed,invited"]);
    settle().await;
    assert!(announcements_to(&app, "confirmed@example.com").is_empty());
    assert!(dry.contains("2 would get it"), "{dry}");
    announce(&app, &file, &["--to", "confirmed,invited"]);
    assert_eq!(figures(&dry), run_figures(&app, "dates-2026").await);
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
    let shown = run_figures(&app, "dates-2026").await;
    assert!(shown.contains("1 at the mail cap"), "{shown}");
    // A dry run with the server's cap says the same before a second one.
    let second = announcement_file(&app, "b", "subject = \"The dates are set (2)\"", "B");
    let dry = run_announce(
        &app,
        &second,
        &["--dry-run"],
        &[("QUIETLIST_MAIL_CAP", "3")],
    );
    let dry = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(dry.contains("1 at the mail cap"), "{dry}");
    let key = dry.split_whitespace().next().unwrap_or("").to_owned();
    announce(&app, &second, &[]);
    assert_eq!(figures(&dry), run_figures(&app, &key).await);
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

/// `count` people who confirmed (2 mails each: the cap leaves room for an announcement).
async fn confirmed_people(app: &TestApp, count: usize) -> Vec<String> {
    let mut people = Vec::new();
    for i in 0..count {
        let email = format!("reader{i}@example.com");
        confirmed_person(app, &email).await;
        people.push(email);
    }
    people
}

/// When each announcement reached the sink, as seen by polling it every 10 ms, until
/// `count` have (or the wait ends).
async fn arrival_times(app: &TestApp, count: usize, wait: Duration) -> Vec<Instant> {
    let deadline = Instant::now() + wait;
    let mut times = Vec::new();
    while times.len() < count && Instant::now() < deadline {
        let seen = all_announcements(app);
        while times.len() < seen {
            times.push(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    times
}

fn rate(per_second: &str) -> SendRate {
    SendRate::parse(per_second).unwrap()
}

// Multi-threaded: the SMTP sink must answer while the test runs the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_announcement_arrives_at_its_time_and_not_before() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let at = at
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let started = Instant::now();
    let printed = announce(&app, &dates_file(&app), &["--at", &at]);
    assert!(
        printed.contains(&format!("scheduled for {at}")),
        "{printed}"
    );
    let listed = String::from_utf8_lossy(&run_announcements(&app, &[]).stdout).into_owned();
    assert!(listed.contains("scheduled"), "{listed}");
    let arrived = arrival_times(&app, 1, Duration::from_secs(15)).await;
    assert_eq!(arrived.len(), 1, "it never arrived");
    let after = arrived[0] - started;
    assert!(
        after >= Duration::from_millis(2_900),
        "it arrived {after:?} after it was scheduled 3-4 s ahead"
    );
    let bad = run_announce(&app, &dates_file(&app), &["--at", "tomorrow"], &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--at"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sending_rate_spreads_an_announcement_and_a_confirmation_does_not_wait_for_it() {
    let app = spawn_app_with(|c| {
        c.rate_limit = false;
        c.send_rate = rate("5");
    })
    .await;
    let people = confirmed_people(&app, 20).await;
    announce(&app, &dates_file(&app), &[]);
    let first = arrival_times(&app, 1, MAIL_WAIT).await;
    assert!(!first.is_empty());
    // Someone signs up while it goes out: their confirmation is not behind the list.
    let signed_up = Instant::now();
    app.sign_up("late@example.com").await;
    app.mail_to("late@example.com").await;
    let confirmation_took = signed_up.elapsed();
    let arrivals = arrival_times(&app, people.len(), Duration::from_secs(30)).await;
    assert_eq!(arrivals.len(), people.len());
    // 20 mails at 5 a second: 19 gaps of 200 ms.
    let span = arrivals[people.len() - 1] - arrivals[0];
    assert!(span >= Duration::from_millis(3_000), "20 mails in {span:?}");
    assert!(
        confirmation_took < span,
        "the confirmation took {confirmation_took:?}, the announcement {span:?}"
    );
    for email in &people {
        assert_eq!(announcements_to(&app, email).len(), 1, "{email}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_announcement_stops_arriving_and_resumed_it_finishes() {
    let app = spawn_app_with(|c| {
        c.rate_limit = false;
        c.send_rate = rate("4");
    })
    .await;
    let people = confirmed_people(&app, 16).await;
    announce(&app, &dates_file(&app), &[]);
    arrival_times(&app, 2, MAIL_WAIT).await;
    assert!(steer(&app, "pause", "dates-2026").contains("paused"));
    // What a node had already handed to SMTP goes; then nothing.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let at_pause = all_announcements(&app);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(
        all_announcements(&app),
        at_pause,
        "mail arrived while paused"
    );
    assert!(
        at_pause < people.len(),
        "all {at_pause} arrived before the pause"
    );
    let shown = steer(&app, "show", "dates-2026");
    assert!(shown.lines().next().unwrap().ends_with("paused"), "{shown}");
    let again = run_announcements(&app, &["pause", "dates-2026"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("it is paused"));
    assert!(steer(&app, "resume", "dates-2026").contains("sending"));
    let all = arrival_times(&app, people.len(), Duration::from_secs(30)).await;
    assert_eq!(all.len(), people.len());
    finished(&app, "dates-2026").await;
    settle().await;
    for email in &people {
        assert_eq!(announcements_to(&app, email).len(), 1, "{email}");
    }
    let log = String::from_utf8_lossy(
        &quietlist_command_on(&app.data_dir)
            .args(["audit"])
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    assert!(log.contains("announcement id:dates-2026: pause"), "{log}");
    assert!(log.contains("announcement id:dates-2026: resume"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_announcement_sends_no_more_and_cannot_be_resumed() {
    let app = spawn_app_with(|c| {
        c.rate_limit = false;
        c.send_rate = rate("4");
    })
    .await;
    let people = confirmed_people(&app, 16).await;
    announce(&app, &dates_file(&app), &[]);
    arrival_times(&app, 2, MAIL_WAIT).await;
    assert!(steer(&app, "cancel", "dates-2026").contains("cancelled"));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let at_cancel = all_announcements(&app);
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(
        all_announcements(&app),
        at_cancel,
        "mail arrived after the cancel"
    );
    assert!(at_cancel < people.len());
    let shown = steer(&app, "show", "dates-2026");
    assert!(
        shown.contains(&format!("{at_cancel} handed over")),
        "{shown}"
    );
    assert!(!shown.contains(" 0 cancelled"), "{shown}");
    let table = String::from_utf8_lossy(&run_announcements(&app, &[]).stdout).into_owned();
    assert!(
        table.contains("id:dates-2026") && table.contains("cancelled"),
        "{table}"
    );
    for (args, says) in [
        (["resume", "dates-2026"], "it is cancelled"),
        (["cancel", "dates-2026"], "it is cancelled"),
        (["pause", "no-such-thing"], "no announcement"),
    ] {
        let refused = run_announcements(&app, &args);
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let again = run_announce(&app, &dates_file(&app), &[], &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("was cancelled"));
}

/// Signs up with a role (a custom field), and confirms.
async fn confirmed_with_role(app: &TestApp, email: &str, role: &str) {
    let form = [
        ("email", email),
        ("form", "report:ketamine-rapid-antidepressant"),
        ("role", role),
    ];
    let response = app.post_signup_form(LIST, &form).await;
    assert_eq!(response.status().as_u16(), 303, "signup of {email}");
    let mail = app.mail_to(email).await;
    let page = app
        .client
        .post(link_in(&mail, "/confirm/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    mail_with_subject(app, email, "You are on the waitlist").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_can_go_to_one_cohort_or_to_people_with_a_field_value() {
    let app = spawn_app_with(|c| c.rate_limit = false).await;
    confirmed_with_role(&app, "therapist@example.com", "therapist").await;
    confirmed_with_role(&app, "trainee@example.com", "trainee").await;
    confirmed_person(&app, "plain@example.com").await;
    let file = dates_file(&app);
    // The field is sealed: the dispatcher compares it with the key, not SQL.
    let dry = announce(&app, &file, &["--dry-run", "--where", "role=trainee"]);
    assert!(dry.contains("1 would get it (of 1 "), "{dry}");
    announce(&app, &file, &["--where", "role=trainee"]);
    assert_eq!(figures(&dry), run_figures(&app, "dates-2026").await);
    wait_for_announcement(&app, "trainee@example.com").await;
    settle().await;
    for nobody in ["therapist@example.com", "plain@example.com"] {
        assert!(announcements_to(&app, nobody).is_empty(), "{nobody} got it");
    }
    // The cohort: only the one invited (whose fourth place is kept, so skipped).
    let invited = invite_next(&app, "1", "4");
    assert!(invited.contains("invited 1"), "{invited}");
    // The first in line: confirmation, welcome and now the invitation, 3 of 4.
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while app.mails_to("therapist@example.com").len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no invitation");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = announcement_file(
        &app,
        "cohort",
        "subject = \"Cohort news\"\nid = \"cohort\"",
        "Hi",
    );
    let dry = announce(&app, &second, &["--dry-run", "--cohort", "pilot-1"]);
    assert!(dry.contains("0 would get it (of 1 "), "{dry}");
    assert!(dry.contains("1 at the mail cap"), "{dry}");
    announce(&app, &second, &["--cohort", "pilot-1"]);
    assert_eq!(figures(&dry), run_figures(&app, "cohort").await);
    for (flag, value) in [
        ("--cohort", "nope"),
        ("--where", "shoe-size=9"),
        ("--where", "role"),
    ] {
        let refused = run_announce(&app, &file, &[flag, value], &[]);
        assert_eq!(refused.status.code(), Some(1), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
}
