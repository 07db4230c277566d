//! Announcements the owner publishes on the site: `/news/{id}`, and entries of the Atom
//! feed and the sitemap, read with a real XML parser. The real app, a real SMTP server;
//! published from the API and from the owner's pages as a person would.

use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::found::fetch;
use crate::helpers::*;
use crate::owner::{add_owner, hidden, signed_in};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const RUNS: &str = "/admin/lists/pilot-course/announcements";
const SUBJECT: &str = "The pilot's dates are set";
const BODY: &str = "Hello {{ name }}, the pilot starts in *June* & runs <b>six</b> weeks.\n\nSecond paragraph: [the syllabus](https://example.org/syllabus).\n";
/// The first paragraph as text (what the feed's summary says), with the fallback name.
const SUMMARY: &str = "Hello friends, the pilot starts in June & runs <b>six</b> weeks.";
const NAME: &str = "Ada Quietname";
const READER: &str = "ada@example.com";

/// The app, whose public origin is its own address (the links in mails must work).
async fn app() -> TestApp {
    spawn_app().await
}

/// `quietlist api-key create` with the announcements scope: the key.
fn announce_key(app: &TestApp) -> String {
    let out = quietlist_command_on(&app.data_dir)
        .args([
            "api-key",
            "create",
            "--name",
            "news",
            "--scope",
            "announcements:write",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn announce(app: &TestApp, key: &str, body: Json) -> Json {
    let response = app
        .client
        .post(app.url("/api/v1/lists/pilot-course/announcements"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let answer: Json = response.json().await.unwrap();
    assert_eq!(status, 202, "{answer}");
    answer
}

/// A confirmed person who gave their name on the form.
async fn named_reader(app: &TestApp) {
    let answer = app
        .post_signup_form(
            LIST,
            &[
                ("email", READER),
                ("name", NAME),
                ("form", "report:ketamine-rapid-antidepressant"),
            ],
        )
        .await;
    assert_eq!(answer.status().as_u16(), 303);
    let confirmation = app.mail_to(READER).await;
    let page = app
        .client
        .post(link_in(&confirmation, "/confirm/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
}

/// The path of an absolute `/news/...` URL.
fn path_of(url: &str) -> &str {
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "{url} is not absolute"
    );
    &url[url.find("/news/").unwrap_or_else(|| panic!("{url}"))..]
}

fn is_rfc3339(value: &str) -> bool {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).is_ok()
}

/// One entry of the feed, as read by the parser.
#[derive(Debug)]
struct Entry {
    id: String,
    title: String,
    link: String,
    published: String,
    updated: String,
    summary: String,
}

/// `/feed.xml`, parsed and checked as Atom (RFC 4287): one id, title and updated on the
/// feed; every entry with an id, a title, an RFC 3339 updated and an alternate link. Its
/// entries, in order.
async fn feed(app: &TestApp) -> Vec<Entry> {
    let (status, content_type, xml) = fetch(app, "/feed.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert!(root.has_tag_name((ATOM, "feed")), "{xml}");
    for name in ["id", "title", "updated"] {
        let count = root
            .children()
            .filter(|n| n.has_tag_name((ATOM, name)))
            .count();
        assert_eq!(count, 1, "feed <{name}>: {xml}");
    }
    let text = |node: roxmltree::Node<'_, '_>, name: &str| -> Option<String> {
        node.children()
            .find(|n| n.has_tag_name((ATOM, name)))
            .map(|n| n.text().unwrap_or("").to_owned())
    };
    let feed_updated = text(root, "updated").unwrap();
    assert!(is_rfc3339(&feed_updated), "{feed_updated}");
    let entries: Vec<Entry> = root
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .map(|e| {
            let link = e
                .children()
                .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("alternate"))
                .and_then(|n| n.attribute("href"))
                .unwrap_or_else(|| panic!("an entry without a link: {xml}"))
                .to_owned();
            let entry = Entry {
                id: text(e, "id").unwrap_or_else(|| panic!("an entry without an id: {xml}")),
                title: text(e, "title").unwrap_or_else(|| panic!("no title: {xml}")),
                link,
                published: text(e, "published").unwrap_or_default(),
                updated: text(e, "updated").unwrap_or_else(|| panic!("no updated: {xml}")),
                summary: text(e, "summary").unwrap_or_default(),
            };
            assert!(is_rfc3339(&entry.updated), "{entry:?}");
            assert!(!entry.title.is_empty() && !entry.id.is_empty(), "{entry:?}");
            entry
        })
        .collect();
    // Newest first, whatever the kind.
    let dates: Vec<time::OffsetDateTime> = entries
        .iter()
        .map(|e| {
            let at = if e.published.is_empty() {
                &e.updated
            } else {
                &e.published
            };
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap()
        })
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{entries:#?}");
    assert!(
        dates.iter().all(|d| *d
            <= time::OffsetDateTime::parse(
                &feed_updated,
                &time::format_description::well_known::Rfc3339
            )
            .unwrap()),
        "the feed's updated is its newest entry's: {feed_updated} {entries:#?}"
    );
    entries
}

fn news_entries(entries: &[Entry]) -> Vec<&Entry> {
    entries.iter().filter(|e| e.id.contains("/news/")).collect()
}

/// The addresses `/sitemap.xml` lists.
async fn sitemap(app: &TestApp) -> Vec<String> {
    let (status, _, xml) = fetch(app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name((SITEMAP, "url")))
        .map(|url| {
            url.children()
                .find(|n| n.has_tag_name((SITEMAP, "loc")))
                .and_then(|n| n.text())
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every JSON-LD block of a page, parsed.
fn json_ld(html: &str) -> Vec<Json> {
    let open = r#"<script type="application/ld+json">"#;
    html.split(open)
        .skip(1)
        .map(|rest| serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).unwrap())
        .collect()
}

/// Waits (up to `within`) for the feed to list an announcement; its entries then.
async fn until_in_feed(app: &TestApp, within: Duration) -> Vec<Entry> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let entries = feed(app).await;
        if !news_entries(&entries).is_empty() {
            return entries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no announcement in the feed after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sent through the API with `publish: true` to someone who gave their name: a page of
/// the site with the site's layout, canonical link, share tags and JSON-LD `Article`,
/// the text rendered and escaped with `{{ name }}` as the fallback (never the person's
/// name), an entry of a valid Atom feed (its id the page's address, its summary the
/// first paragraph as text) and of the sitemap.
#[tokio::test]
async fn a_published_announcement_is_a_page_of_the_site_and_an_entry_of_the_feed() {
    let app = app().await;
    named_reader(&app).await;
    let before = feed(&app).await;
    assert!(news_entries(&before).is_empty());
    let key = announce_key(&app);
    let answer = announce(
        &app,
        &key,
        json!({"id": "dates", "subject": SUBJECT, "body": BODY, "name_fallback": "friends", "publish": true}),
    )
    .await;
    assert_eq!(answer["started"], true, "{answer}");
    // The person's own mail says their name: the page must not.
    let mail = mail_with_subject(&app, READER, SUBJECT).await;
    assert!(text_body(&mail).contains(&format!("Hello {NAME},")));

    let entries = feed(&app).await;
    let news = news_entries(&entries);
    assert_eq!(news.len(), 1, "{entries:#?}");
    let entry = news[0];
    assert_eq!(entry.title, SUBJECT);
    assert_eq!(entry.link, entry.id, "the id is the page's address");
    assert!(is_rfc3339(&entry.published), "{entry:?}");
    assert_eq!(entry.summary, SUMMARY);
    assert_eq!(
        entries.len(),
        before.len() + 1,
        "the reports are still there: {entries:#?}"
    );
    assert!(sitemap(&app).await.contains(&entry.id));

    let path = path_of(&entry.id);
    assert_eq!(entry.id, app.url(path), "absolute, on the site's origin");
    assert!(
        path.strip_prefix("/news/").unwrap().parse::<u64>().is_ok(),
        "{path}"
    );
    let (status, content_type, page) = fetch(&app, path).await;
    assert_eq!(status, 200, "{page}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        !page.contains(NAME),
        "a person's name on a public page: {page}"
    );
    assert!(!page.contains("Ada"), "{page}");
    assert!(page.contains("Hello friends,"), "{page}");
    assert!(!page.contains("{{ name }}"), "{page}");
    assert!(page.contains("<em>June</em>"), "{page}");
    assert!(
        page.contains("&lt;b&gt;six&lt;/b&gt;"),
        "raw HTML shown as text: {page}"
    );
    assert!(!page.contains("<b>six</b>"), "{page}");
    assert!(
        page.contains("href=\"https://example.org/syllabus\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("<link rel=\"canonical\" href=\"{}\">", entry.id)),
        "{page}"
    );
    assert!(
        page.contains("<meta property=\"og:type\" content=\"article\">"),
        "{page}"
    );
    assert!(
        page.contains("<meta property=\"og:title\" content=\"The pilot&#39;s dates are set\">")
            || page.contains(
                "<meta property=\"og:title\" content=\"The pilot&#x27;s dates are set\">"
            ),
        "{page}"
    );
    // The site's layout: its stylesheet and the link to the feed.
    assert!(page.contains("/static/site."), "{page}");
    assert!(page.contains("application/atom+xml"), "{page}");
    let data = json_ld(&page);
    let article = data
        .iter()
        .find(|d| d["@type"] == "Article")
        .unwrap_or_else(|| panic!("no Article: {data:#?}"));
    assert_eq!(article["headline"], SUBJECT);
    assert_eq!(article["url"], entry.id.as_str());
    assert_eq!(article["description"], SUMMARY);
    assert!(is_rfc3339(article["datePublished"].as_str().unwrap()));
    assert!(!serde_json::to_string(&data).unwrap().contains("Ada"));
    assert!(!page.contains("waitlist-form"), "no signup form on news");
}

/// The announcement form's checkbox publishes it; **Take off the site** on the
/// announcements page (CSRF-checked, audited) makes its page answer 410 and takes it out
/// of the feed and the sitemap; **Publish on the site** brings it back.
#[tokio::test]
async fn unpublished_it_answers_410_and_leaves_the_feed_and_can_be_published_again() {
    let app = app().await;
    app.sign_up_and_confirm(READER).await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("subject", SUBJECT),
        ("id", "dates"),
        ("body", BODY),
        ("name_fallback", "friends"),
        ("to_confirmed", "yes"),
        ("publish", "yes"),
    ];
    // Asked to confirm: the confirmation keeps the box ticked.
    let confirm = client
        .post(app.url(&format!("{RUNS}/new")))
        .form(&[form.as_slice(), &[("action", "send")]].concat())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        confirm.contains("<input type=\"hidden\" name=\"publish\" value=\"yes\">"),
        "{confirm}"
    );
    assert!(
        news_entries(&feed(&app).await).is_empty(),
        "published before it was sent"
    );
    let sent = client
        .post(app.url(&format!("{RUNS}/new")))
        .form(&[form.as_slice(), &[("action", "confirm")]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 200);
    let entries = feed(&app).await;
    let url = news_entries(&entries)
        .first()
        .map(|e| e.id.clone())
        .expect("published when sent");
    let path = path_of(&url).to_owned();
    assert_eq!(fetch(&app, &path).await.0, 200);

    let runs = client
        .get(app.url(RUNS))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(runs.contains(&format!("href=\"{path}\"")), "{runs}");
    let csrf = hidden(&runs, "csrf");
    let publish = |token: &str, action: &str| {
        client
            .post(app.url(&format!("{RUNS}/publish")))
            .form(&[("csrf", token), ("key", "id:dates"), ("action", action)])
            .send()
    };
    let refused = publish("not-the-token", "unpublish").await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        fetch(&app, &path).await.0,
        200,
        "taken down without the token"
    );
    let wrong = publish(&csrf, "delete").await.unwrap();
    assert_eq!(wrong.status().as_u16(), 422);

    let down = publish(&csrf, "unpublish").await.unwrap();
    assert_eq!(down.status().as_u16(), 303);
    // As a browser follows the answer: back to the page, with a notice.
    let location = down.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(RUNS), "{location}");
    let notice = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("data-testid=\"site-notice\""), "{notice}");
    assert!(notice.contains("Taken off the site"), "{notice}");
    let (status, _, gone) = fetch(&app, &path).await;
    assert_eq!(status, 410, "{gone}");
    assert!(!gone.contains(SUBJECT), "{gone}");
    assert!(news_entries(&feed(&app).await).is_empty());
    assert!(!sitemap(&app).await.contains(&url));

    let up = publish(&csrf, "publish").await.unwrap();
    assert_eq!(up.status().as_u16(), 303);
    assert_eq!(fetch(&app, &path).await.0, 200);
    assert_eq!(news_entries(&feed(&app).await).len(), 1);

    let log = quietlist_command_on(&app.data_dir)
        .arg("audit")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&log.stdout);
    assert!(log.contains("announcement id:dates: unpublish"), "{log}");
    assert!(log.contains("announcement id:dates: publish"), "{log}");
}

/// Sent without `publish`: never on the site, nor in the feed or the sitemap, and
/// publishing needs the owner; an id that is not one is the 404 page, never a 500.
#[tokio::test]
async fn an_announcement_not_published_never_appears_and_a_bad_id_is_a_404() {
    let app = app().await;
    app.sign_up_and_confirm(READER).await;
    let key = announce_key(&app);
    announce(
        &app,
        &key,
        json!({"id": "quiet", "subject": SUBJECT, "body": BODY}),
    )
    .await;
    mail_with_subject(&app, READER, SUBJECT).await;
    assert!(news_entries(&feed(&app).await).is_empty());
    assert!(!sitemap(&app).await.iter().any(|u| u.contains("/news/")));
    let (_, _, not_found) = fetch(&app, "/definitely-not-a-page").await;
    for path in [
        "/news/1",
        "/news/0",
        "/news/2",
        "/news/abc",
        "/news/-1",
        "/news/+1",
        "/news/1.0",
        "/news/99999999999999999999999999",
        "/news/9223372036854775807",
        "/news/%00",
    ] {
        let (status, _, page) = fetch(&app, path).await;
        assert_eq!(status, 404, "{path}: {page}");
        assert_eq!(page, not_found, "{path}: the site's 404 page");
    }
    let post = app.client.post(app.url("/news/1")).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
}

/// Scheduled with `publish: true`: not on the site (404, not in the feed) until its
/// `send_at`; there once its run starts.
#[tokio::test]
async fn a_scheduled_published_announcement_appears_only_after_its_send_at() {
    let app = app().await;
    app.sign_up_and_confirm(READER).await;
    let key = announce_key(&app);
    let send_at = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let send_at = send_at.replace_nanosecond(0).unwrap();
    let answer = announce(
        &app,
        &key,
        json!({
            "id": "later",
            "subject": SUBJECT,
            "body": BODY,
            "publish": true,
            "send_at": send_at.format(&time::format_description::well_known::Rfc3339).unwrap(),
        }),
    )
    .await;
    assert_eq!(answer["state"], "scheduled", "{answer}");
    assert!(news_entries(&feed(&app).await).is_empty());
    // The first announcement in a fresh database.
    assert_eq!(fetch(&app, "/news/1").await.0, 404);
    assert!(!sitemap(&app).await.iter().any(|u| u.contains("/news/")));

    let entries = until_in_feed(&app, Duration::from_secs(20)).await;
    let now = time::OffsetDateTime::now_utc();
    assert!(
        now >= send_at,
        "in the feed at {now}, before its send_at {send_at}"
    );
    let entry = news_entries(&entries)[0];
    assert_eq!(path_of(&entry.id), "/news/1");
    let published = time::OffsetDateTime::parse(
        &entry.published,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(published >= send_at, "{published} before {send_at}");
    assert_eq!(fetch(&app, "/news/1").await.0, 200);
}
