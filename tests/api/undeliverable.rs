//! An address its server refuses for good at RCPT TO is marked undeliverable: the owner's
//! person page says why, the list and the export mark it, later announcements skip it, and
//! an invitation still goes (the invite output says so). A 5xx at DATA refuses one mail
//! and marks nobody. Everything through the real binary and the real SMTP server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::helpers::*;
use crate::owner::{add_owner, signed_in};
use crate::promise::confirmed_person;

const GONE: &str = "gone-mailbox@example.com";
const FINE: &str = "fine@example.com";

fn announcement_file(app: &TestApp, id: &str) -> PathBuf {
    let path = app
        .data_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{id}.md"));
    std::fs::write(
        &path,
        format!("+++\nsubject = \"News {id}\"\nid = \"{id}\"\n+++\n\nHello {{{{ name }}}}.\n"),
    )
    .unwrap();
    path
}

/// `quietlist announce LIST FILE`, then the run's figures once it is done.
async fn announce(app: &TestApp, id: &str) -> String {
    let output = quietlist_command_on(&app.data_dir)
        .arg("announce")
        .arg(LIST)
        .arg(announcement_file(app, id))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    crate::announce::run_figures(app, id).await
}

fn got(app: &TestApp, email: &str, id: &str) -> bool {
    app.mails_to(email)
        .iter()
        .any(|m| header(m, "Subject").is_some_and(|s| s.contains(&format!("News {id}"))))
}

/// The owner's page of the person with `email` (found as the owner finds anyone).
async fn person_page(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let found = client
        .get(app.url(&format!(
            "/admin/lists/{LIST}?find={}",
            email.replace('@', "%40")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status().as_u16(), 303, "{email} not found");
    let location = found.headers()["location"].to_str().unwrap().to_owned();
    client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until the person's page shows `text` (the outbox records attempts after a round).
async fn page_showing(app: &TestApp, client: &reqwest::Client, email: &str, text: &str) -> String {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        let page = person_page(app, client, email).await;
        if page.contains(text) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page of {email} never showed {text:?}:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cell of `column` for `email` in `quietlist export`.
fn exported(app: &TestApp, email: &str, column: &str) -> String {
    let rows = app.export_rows(LIST);
    let at = rows[0]
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} column in {:?}", rows[0]));
    rows.iter()
        .find(|row| row[0] == email)
        .map(|row| row[at].clone())
        .unwrap_or_else(|| panic!("{email} is not in the export"))
}

/// The paragraph that says why mail to the person is refused, if the page has one.
fn undeliverable_notice(page: &str) -> Option<&str> {
    page.split("data-testid=\"undeliverable\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_refused_at_rcpt_is_marked_skipped_by_announcements_and_still_invited() {
    let app = spawn_app().await;
    add_owner(&app);
    let (owner, _) = signed_in(&app).await;
    confirmed_person(&app, GONE).await;
    confirmed_person(&app, FINE).await;
    // The mailbox goes away after the welcome, as mailboxes do.
    app.smtp().refuse_at_rcpt(GONE);

    let printed = announce(&app, "first").await;
    assert!(printed.contains("2 queued"), "{printed}");
    let page = page_showing(&app, &owner, GONE, "Mail to this address was refused on").await;
    let notice = undeliverable_notice(&page).expect("the undeliverable notice");
    assert!(
        notice.contains("550 5.1.1") && notice.contains("User unknown"),
        "{notice}"
    );
    assert!(
        !notice.contains('@') && !notice.contains("gone-mailbox"),
        "the reason repeats the address: {notice}"
    );
    assert!(page.contains("announcement: failed"), "{page}");
    assert!(got(&app, FINE, "first"));
    // The owner sees the run's refusals by the server's words, never the address: on the
    // command line and on the announcements page.
    let shown = crate::announce::steer(&app, "show", "first");
    let refused = shown
        .lines()
        .find(|l| l.starts_with("refused 1: RCPT TO: 550 5.1.1"))
        .unwrap_or_else(|| panic!("no refusal by reason:\n{shown}"));
    assert!(
        refused.contains("User unknown") && !refused.contains('@'),
        "{refused}"
    );
    let runs = owner
        .get(app.url("/admin/lists/pilot-course/announcements"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed = runs
        .split("data-testid=\"refusals\">")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or_else(|| panic!("no refusals on the page:\n{runs}"));
    assert!(
        listed.contains("1: RCPT TO: 550 5.1.1") && !listed.contains("gone-mailbox"),
        "{listed}"
    );
    let fine_page = person_page(&app, &owner, FINE).await;
    assert!(undeliverable_notice(&fine_page).is_none(), "{fine_page}");
    // The list of people marks them; the export says since when.
    let list = owner
        .get(app.url(&format!("/admin/lists/{LIST}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(list.matches("(undeliverable)").count(), 1, "{list}");
    assert!(!exported(&app, GONE, "undeliverable_since").is_empty());
    assert_eq!(exported(&app, FINE, "undeliverable_since"), "");

    // The next announcement skips them, and says so. (FINE has had three mails of four:
    // the last place is kept for an invitation.)
    let printed = announce(&app, "second").await;
    assert!(
        printed.contains("0 queued") && printed.contains("1 refused address"),
        "{printed}"
    );

    // An invitation is owed: it is queued all the same, and the owner is told. The
    // mailbox is back by then, so it arrives, and the mark goes.
    app.smtp().accept_at_rcpt(GONE);
    let printed = invite_next(&app, "2", "4");
    assert!(printed.contains("invited 2 of 2"), "{printed}");
    assert!(
        printed.contains("1 of those invited is marked undeliverable"),
        "{printed}"
    );
    let invitation = mail_with_subject(&app, GONE, "A seat is open").await;
    assert!(!link_in(&invitation, "/accept/").is_empty());
    let page = page_showing(&app, &owner, GONE, "invite: sent").await;
    assert!(undeliverable_notice(&page).is_none(), "{page}");
    assert_eq!(exported(&app, GONE, "undeliverable_since"), "");
    let audit = quietlist_command_on(&app.data_dir)
        .args(["audit"])
        .output()
        .unwrap();
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.contains("1 of them with an address marked undeliverable"),
        "{audit}"
    );
}

/// Before the fix, a 5xx at the end of DATA (a spam filter refusing one message) made the
/// person's last mail "failed", and every later announcement skipped them as a refused
/// address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_at_data_fails_that_mail_only_and_marks_no_one() {
    let app = spawn_app().await;
    add_owner(&app);
    let (owner, _) = signed_in(&app).await;
    confirmed_person(&app, FINE).await;
    app.smtp().refuse_next_at_data(1);

    let printed = announce(&app, "first").await;
    assert!(printed.contains("1 queued"), "{printed}");
    let page = page_showing(&app, &owner, FINE, "announcement: failed").await;
    assert!(undeliverable_notice(&page).is_none(), "{page}");
    assert!(!got(&app, FINE, "first"));

    let printed = announce(&app, "second").await;
    assert!(
        printed.contains("1 queued") && printed.contains("0 refused address"),
        "{printed}"
    );
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while !got(&app, FINE, "second") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second announcement never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
