//! The owner writes, previews, test-sends and sends an announcement from `/admin`. The
//! real app; the mails go through the real SMTP server on loopback.

use std::time::Duration;

use crate::helpers::*;
use crate::owner::{OWNER, add_owner, browser, hidden, signed_in};
use crate::promise::confirmed_person;

const NEW: &str = "/admin/lists/pilot-course/announcements/new";
const SUBJECT: &str = "The cohort dates are out";
const BODY: &str = "Hello {{ name }},\r\n\r\nThe pilot starts in **June**: [the syllabus](https://example.org/syllabus?a=1&b=2).\r\n\r\n<script>alert(1)</script>\r\n";

/// A signed-in owner and their browser.
struct Owner {
    client: reqwest::Client,
    csrf: String,
}

async fn owner_of(app: &TestApp) -> Owner {
    add_owner(app);
    let (client, csrf) = signed_in(app).await;
    Owner { client, csrf }
}

/// The form as the page sends it, with `action` and `extra` fields on top.
fn fields<'a>(
    csrf: &'a str,
    action: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("subject", SUBJECT),
        ("id", ""),
        ("body", BODY),
        ("name_fallback", ""),
        ("to_confirmed", "yes"),
        ("action", action),
    ];
    for (name, value) in extra {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

async fn post(app: &TestApp, owner: &Owner, action: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let response = owner
        .client
        .post(app.url(NEW))
        .form(&fields(&owner.csrf, action, extra))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn announcements_to(app: &TestApp, email: &str) -> Vec<ReceivedMail> {
    app.mails_to(email)
        .into_iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains(SUBJECT)))
        .collect()
}

/// Long enough for the outbox (which polls every 2 s) to send whatever it would.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(3_000)).await;
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in:\n{page}"))
        + start.len();
    let to = page[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?}"))
        + from;
    &page[from..to]
}

/// A mail's personal links, made the same whoever they are for.
fn without_personal_links(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            if word.contains("/manage/") || word.contains("/unsubscribe/") {
                let end = &word[word.trim_end().len()..];
                format!("PERSONAL-LINK{end}")
            } else {
                word.to_owned()
            }
        })
        .collect()
}

#[tokio::test]
async fn the_page_needs_a_session_and_each_post_its_csrf_token() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    add_owner(&app);
    let visitor = browser();
    let page = visitor.get(app.url(NEW)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(page.headers()["location"], "/admin/login");
    let posted = visitor
        .post(app.url(NEW))
        .form(&fields("", "confirm", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 303, "signed out: to the login");

    let (client, csrf) = signed_in(&app).await;
    let owner = Owner {
        client,
        csrf: "0".repeat(64),
    };
    let (status, _) = post(&app, &owner, "confirm", &[]).await;
    assert_eq!(status, 403, "a wrong token");
    let (status, _) = post(&app, &owner, "confirm", &[("csrf", "")]).await;
    assert_eq!(status, 403, "no token");
    let cross_site = owner
        .client
        .post(app.url(NEW))
        .header("sec-fetch-site", "cross-site")
        .form(&fields(&csrf, "confirm", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403, "from another site");
    settle().await;
    assert!(announcements_to(&app, "reader@example.com").is_empty());
    // The same form with the session's token goes.
    let owner = Owner { csrf, ..owner };
    let (status, page) = post(&app, &owner, "confirm", &[]).await;
    assert_eq!(status, 200, "{page}");
    mail_with_subject(&app, "reader@example.com", SUBJECT).await;
}

#[tokio::test]
async fn the_list_page_links_to_a_form_that_works_without_a_script() {
    let app = spawn_app().await;
    let owner = owner_of(&app).await;
    let list = owner
        .client
        .get(app.url("/admin/lists/pilot-course"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("href=\"{NEW}\"")), "{list}");
    let form = owner.client.get(app.url(NEW)).send().await.unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let form = form.text().await.unwrap();
    for needed in [
        "<label for=\"subject\">",
        "<label for=\"body\">",
        "<label for=\"id\">",
        "name=\"to_confirmed\" value=\"yes\" checked",
        "name=\"to_invited\"",
        "name=\"to_accepted\"",
        "value=\"preview\"",
        "value=\"test\"",
        "value=\"send\"",
        "{{ name }}",
    ] {
        assert!(form.contains(needed), "{needed} missing:\n{form}");
    }
    assert!(!form.contains("<script"), "no script on the form");
}

#[tokio::test]
async fn a_preview_shows_the_mail_exactly_as_sent_and_changes_nothing() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let owner = owner_of(&app).await;
    let response = owner
        .client
        .post(app.url(NEW))
        .form(&fields(&owner.csrf, "preview", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "no script: {policy}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<strong data-testid=\"figure-queued\">1</strong> would get it (of 1"),
        "{page}"
    );
    let preview_text = unescape(between(&page, "data-testid=\"preview-text\">", "</pre>"));
    let preview_html = unescape(between(&page, "srcdoc=\"", "\""));
    assert!(preview_text.starts_with("Hello there,"), "{preview_text}");
    assert!(
        preview_html.contains("<strong>June</strong>"),
        "{preview_html}"
    );
    assert!(
        preview_html.contains("&lt;script&gt;"),
        "raw HTML shown as text: {preview_html}"
    );
    // The form comes back filled.
    assert!(page.contains(&format!("value=\"{SUBJECT}\"")), "{page}");

    // Nothing was sent, nothing was recorded: the real send afterwards queues the mail.
    settle().await;
    assert!(announcements_to(&app, "reader@example.com").is_empty());
    let (status, sent) = post(&app, &owner, "confirm", &[]).await;
    assert_eq!(status, 200, "{sent}");
    assert!(
        sent.contains("is going out to <strong>1</strong> person"),
        "{sent}"
    );
    let mail = mail_with_subject(&app, "reader@example.com", SUBJECT).await;
    // What the preview showed is what went out, but for the person's own links.
    assert_eq!(
        without_personal_links(&text_body(&mail)).replace("\r\n", "\n"),
        without_personal_links(&preview_text).replace("\r\n", "\n")
    );
    let html = |html: &str| without_personal_links(&html.replace('"', " ").replace("\r\n", "\n"));
    assert_eq!(html(&html_body(&mail)), html(&preview_html));
}

// Multi-threaded: the SMTP sink answers while the handler sends the test copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_copy_goes_to_the_signed_in_owner_only_and_counts_against_nobody() {
    let app = spawn_app().await;
    // The owner is on the list too, with 2 of their 4 mails spent (confirmation and
    // welcome): two test copies that counted would leave the announcement no room.
    confirmed_person(&app, OWNER).await;
    confirmed_person(&app, "reader@example.com").await;
    let owner = owner_of(&app).await;
    let (_, before) = post(&app, &owner, "preview", &[]).await;
    assert!(before.contains("figure-queued\">2</strong>"), "{before}");
    for _ in 0..2 {
        // An address slipped into the form is not where the copy goes.
        let (status, page) = post(
            &app,
            &owner,
            "test",
            &[
                ("to", "reader@example.com"),
                ("email", "reader@example.com"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains(&format!("<strong>{OWNER}</strong>")),
            "{page}"
        );
    }
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while announcements_to(&app, OWNER).len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no test copies");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let copy = &announcements_to(&app, OWNER)[0];
    assert_eq!(copy.rcpt_to, vec![OWNER.to_owned()]);
    assert!(header(copy, "Subject").unwrap().starts_with("[test] "));
    assert!(text_body(copy).starts_with("Hello there,"));
    // The figures are the same after the tests: nobody's count moved.
    let (_, after) = post(&app, &owner, "preview", &[]).await;
    let figures = |page: &str| between(page, "data-testid=\"figures\">", "</ul>").to_owned();
    assert_eq!(figures(&before), figures(&after));
    settle().await;
    assert!(announcements_to(&app, "reader@example.com").is_empty());
    let audit = String::from_utf8(
        quietlist_command_on(&app.data_dir)
            .args(["audit", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let entry = audit
        .lines()
        .find(|l| l.contains("test copy"))
        .unwrap_or_else(|| panic!("no test copy in the audit log:\n{audit}"));
    assert!(entry.contains("\"actor\":\"admin:"), "{entry}");
    // The real one still reaches both.
    let (_, sent) = post(&app, &owner, "confirm", &[]).await;
    assert!(
        sent.contains("is going out to <strong>2</strong> people"),
        "{sent}"
    );
}

#[tokio::test]
async fn sending_asks_to_confirm_then_reaches_confirmed_people_once_with_unsubscribe() {
    let app = spawn_app().await;
    app.sign_up("pending@example.com").await;
    confirmed_person(&app, "reader@example.com").await;
    confirmed_person(&app, "second@example.com").await;
    let owner = owner_of(&app).await;
    let (status, confirm) = post(&app, &owner, "send", &[]).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("<strong data-testid=\"confirm-count\">2</strong> people"),
        "{confirm}"
    );
    assert!(
        confirm.contains("value=\"confirm\">Queue it for 2 people</button>"),
        "{confirm}"
    );
    // The confirmation carries the text it was shown for, as the browser would send it.
    assert_eq!(
        hidden(&confirm, "body"),
        BODY.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    settle().await;
    assert!(
        announcements_to(&app, "reader@example.com").is_empty(),
        "sent before the confirmation"
    );

    let (status, sent) = post(&app, &owner, "confirm", &[]).await;
    assert_eq!(status, 200, "{sent}");
    assert!(
        sent.contains("is going out to <strong>2</strong> people"),
        "{sent}"
    );
    for person in ["reader@example.com", "second@example.com"] {
        let mail = mail_with_subject(&app, person, SUBJECT).await;
        let unsubscribe = link_in(&mail, "/unsubscribe/");
        assert_eq!(
            header(&mail, "List-Unsubscribe").as_deref(),
            Some(format!("<{unsubscribe}>").as_str())
        );
        assert_eq!(
            header(&mail, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
    }
    // The same text again adds nobody.
    let (_, again) = post(&app, &owner, "confirm", &[]).await;
    assert!(
        again.contains("<strong data-testid=\"figure-queued\">0</strong>"),
        "{again}"
    );
    assert!(again.contains("<li>2 already got it"), "{again}");
    settle().await;
    assert_eq!(announcements_to(&app, "reader@example.com").len(), 1);
    assert!(announcements_to(&app, "pending@example.com").is_empty());
}

#[tokio::test]
async fn bad_input_comes_back_with_the_problem_beside_its_field_and_sends_nothing() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let owner = owner_of(&app).await;
    let long_body = "x".repeat(100_001);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("subject", vec![("subject", "  ")]),
        ("subject", vec![("subject", "two\nlines")]),
        ("id", vec![("id", "not an id")]),
        ("id", vec![("id", "+++")]),
        ("body", vec![("body", " ")]),
        ("body", vec![("body", &long_body)]),
        (
            "body",
            vec![("body", "![pixel](https://tracker.example/p.gif)")],
        ),
        ("audience", vec![("to_confirmed", "")]),
    ];
    for (field, extra) in cases {
        let mut form = fields(&owner.csrf, "confirm", &extra);
        if field == "audience" {
            form.retain(|(name, _)| *name != "to_confirmed");
        }
        let response = owner
            .client
            .post(app.url(NEW))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let page = response.text().await.unwrap();
        assert_eq!(status, 422, "{field} {extra:?}: {page}");
        assert!(
            page.contains(&format!("id=\"{field}-error\"")),
            "{field}: no problem beside it:\n{page}"
        );
        if field != "audience" {
            assert!(
                page.contains(&format!("{field}-error\" aria-invalid=\"true\"")),
                "{field}: not tied to its field:\n{page}"
            );
        }
    }
    let (status, page) = post(&app, &owner, "launch", &[]).await;
    assert_eq!(status, 422, "{page}");
    for unknown in ["/admin/lists/no-such-list/announcements/new"] {
        let get = owner.client.get(app.url(unknown)).send().await.unwrap();
        assert_eq!(get.status().as_u16(), 404);
        let post = owner
            .client
            .post(app.url(unknown))
            .form(&fields(&owner.csrf, "preview", &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status().as_u16(), 404);
    }
    settle().await;
    assert!(app.mails_to("reader@example.com").iter().all(|m| {
        !header(m, "Subject").is_some_and(|s| s.contains(SUBJECT) || s.contains("two"))
    }));
}

#[tokio::test]
async fn without_smtp_the_test_copy_lands_in_the_development_mailbox_without_the_address() {
    let app = spawn_app_without_smtp().await;
    let owner = owner_of(&app).await;
    let (status, page) = post(&app, &owner, "test", &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("@dev-mailbox.invalid</strong>"), "{page}");
    let mailbox = app.data_dir.join("dev-mailbox");
    let copies: Vec<String> = std::fs::read_dir(&mailbox)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with("announcement-test.eml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    assert_eq!(copies.len(), 1);
    assert!(copies[0].contains("[test]"), "{}", copies[0]);
    assert!(
        !copies[0].contains(OWNER),
        "the address in clear in the mailbox"
    );
}

const RUNS: &str = "/admin/lists/pilot-course/announcements";

async fn runs_page(app: &TestApp, owner: &Owner) -> String {
    let response = owner.client.get(app.url(RUNS)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.unwrap()
}

async fn steer(app: &TestApp, owner: &Owner, csrf: &str, key: &str, action: &str) -> (u16, String) {
    let response = owner
        .client
        .post(app.url(&format!("{RUNS}/steer")))
        .form(&[("csrf", csrf), ("key", key), ("action", action)])
        .send()
        .await
        .unwrap();
    if response.status().as_u16() == 303 {
        // As a browser follows the answer: back to the page, with a notice.
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(RUNS), "{location}");
        let page = owner.client.get(app.url(&location)).send().await.unwrap();
        return (page.status().as_u16(), page.text().await.unwrap());
    }
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The state cell of the run `key` on the page.
fn state_of(page: &str, key: &str) -> String {
    let row = between(page, &format!("data-key=\"{key}\""), "</tr>");
    between(row, "data-testid=\"run-state\">", "<").to_owned()
}

/// Scheduled from the form for an hour ahead: nothing goes, the page lists it with its
/// time; the page's buttons pause, resume and cancel it (each needing the CSRF token, each
/// audited); an action its state does not allow is a 409 that says why; a cancelled
/// announcement never reaches anyone.
#[tokio::test]
async fn a_scheduled_announcement_is_steered_from_the_announcements_page() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let owner = owner_of(&app).await;
    let in_an_hour = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let send_at = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        in_an_hour.year(),
        u8::from(in_an_hour.month()),
        in_an_hour.day(),
        in_an_hour.hour(),
        in_an_hour.minute()
    );
    let extra = [("id", "dates"), ("send_at", send_at.as_str())];
    let (status, scheduled) = post(&app, &owner, "confirm", &extra).await;
    assert_eq!(status, 200, "{scheduled}");
    assert!(
        scheduled.contains("is scheduled for <strong>"),
        "{scheduled}"
    );

    let page = runs_page(&app, &owner).await;
    assert_eq!(state_of(&page, "id:dates"), "scheduled");
    let scheduled_for = between(&page, "data-testid=\"run-scheduled-for\">", "<");
    assert!(
        scheduled_for.starts_with(&send_at),
        "{scheduled_for} for {send_at}"
    );
    let csrf = hidden(&page, "csrf");

    // Without the token: refused, and the run is as it was.
    let (status, _) = steer(&app, &owner, "not-the-token", "id:dates", "pause").await;
    assert_eq!(status, 403);
    assert_eq!(
        state_of(&runs_page(&app, &owner).await, "id:dates"),
        "scheduled"
    );

    let (status, paused) = steer(&app, &owner, &csrf, "id:dates", "pause").await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(state_of(&paused, "id:dates"), "paused");
    assert!(
        paused.contains("Paused: its queued mails stay unsent"),
        "{paused}"
    );
    let (status, again) = steer(&app, &owner, &csrf, "id:dates", "pause").await;
    assert_eq!(status, 409, "{again}");
    assert!(again.contains("it is paused"), "{again}");
    let (status, unknown) = steer(&app, &owner, &csrf, "id:dates", "delete").await;
    assert_eq!(status, 422, "{unknown}");
    let (status, missing) = steer(&app, &owner, &csrf, "id:nothing", "cancel").await;
    assert_eq!(status, 404, "{missing}");

    // Resumed before its time, it waits for its time again; then cancelled for good.
    let (_, resumed) = steer(&app, &owner, &csrf, "id:dates", "resume").await;
    assert_eq!(state_of(&resumed, "id:dates"), "scheduled");
    let (_, cancelled) = steer(&app, &owner, &csrf, "id:dates", "cancel").await;
    assert_eq!(state_of(&cancelled, "id:dates"), "cancelled");
    let row = between(&cancelled, "data-key=\"id:dates\"", "</tr>");
    assert!(
        !row.contains("<button"),
        "a cancelled run offers no action: {row}"
    );

    let log = quietlist_command_on(&app.data_dir)
        .arg("audit")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&log.stdout);
    for action in ["pause", "resume", "cancel"] {
        assert!(log.contains(action), "no {action} in the audit log:\n{log}");
    }
    settle().await;
    assert!(announcements_to(&app, "reader@example.com").is_empty());
}

/// A schedule the form cannot read is named beside its field, and nothing is sent.
#[tokio::test]
async fn a_schedule_that_is_not_a_time_is_refused_beside_its_field() {
    let app = spawn_app().await;
    confirmed_person(&app, "reader@example.com").await;
    let owner = owner_of(&app).await;
    let (status, page) = post(&app, &owner, "confirm", &[("send_at", "next tuesday")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"send_at-error\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    settle().await;
    assert!(announcements_to(&app, "reader@example.com").is_empty());
}
