//! Found and shared: robots.txt, the sitemap, the Atom feed, the icon, canonical and
//! share tags, JSON-LD, the 404 and 410 pages. Each file is fetched from the running app
//! and read with a real parser (roxmltree for XML, serde_json for JSON-LD).

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::helpers::*;

const ORIGIN: &str = "https://reports.example.org";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The app serving a copy of the demo site plus `extra` files, at the public origin
/// [`ORIGIN`]; the folder is returned so a test can change it.
async fn spawn_site(extra: &[(&str, &str)]) -> (TestApp, tempfile::TempDir) {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    write_files(site.path(), extra);
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| {
        c.site_dir = Some(dir);
        c.base_url = Some(ORIGIN.into());
    })
    .await;
    (app, site)
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let dest = root.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        if *path == "site.toml" {
            // Appended: the demo's settings stay, with more tables after them.
            let old = std::fs::read_to_string(&dest).unwrap();
            std::fs::write(dest, format!("{old}\n{text}")).unwrap();
        } else {
            std::fs::write(dest, text).unwrap();
        }
    }
}

/// The path of an absolute URL on [`ORIGIN`] (which the test app answers for).
fn path_of(url: &str) -> &str {
    url.strip_prefix(ORIGIN)
        .unwrap_or_else(|| panic!("{url} is not on {ORIGIN}"))
}

/// Status, content type and body of a GET.
pub(crate) async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, ns: &str, name: &str) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|n| n.has_tag_name((ns, name)))
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()))
}

fn text_of(node: roxmltree::Node<'_, '_>, ns: &str, name: &str) -> String {
    child(node, ns, name).text().unwrap_or("").trim().to_owned()
}

fn is_rfc3339(value: &str) -> bool {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).is_ok()
}

/// The `content` of `<meta {attribute}="{name}">`, HTML entities decoded.
fn meta(html: &str, attribute: &str, name: &str) -> Option<String> {
    let pattern = format!(
        r#"<meta {attribute}="{}" content="([^"]*)">"#,
        regex::escape(name)
    );
    regex::Regex::new(&pattern)
        .unwrap()
        .captures(html)
        .map(|c| unescape(&c[1]))
}

fn link_href(html: &str, rel: &str) -> Option<String> {
    let pattern = format!(r#"<link rel="{rel}"[^>]* href="([^"]*)""#);
    regex::Regex::new(&pattern)
        .unwrap()
        .captures(html)
        .map(|c| unescape(&c[1]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every JSON-LD block of a page, parsed.
fn json_ld(html: &str) -> Vec<Json> {
    let open = r#"<script type="application/ld+json">"#;
    html.split(open)
        .skip(1)
        .map(|rest| {
            let end = rest.find("</script>").expect("the script element ends");
            serde_json::from_str(&rest[..end])
                .unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}): {}", &rest[..end]))
        })
        .collect()
}

#[tokio::test]
async fn robots_txt_allows_the_site_names_the_sitemap_and_keeps_crawlers_off_link_pages() {
    let (app, _site) = spawn_site(&[]).await;
    let (status, content_type, robots) = fetch(&app, "/robots.txt").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(robots.starts_with("User-agent: *\nAllow: /\n"), "{robots}");
    assert!(robots.contains(&format!("\nSitemap: {ORIGIN}/sitemap.xml\n")));
    for path in [
        "/admin",
        "/manage",
        "/unsubscribe/",
        "/confirm/",
        "/accept/",
        "/decline/",
    ] {
        assert!(
            robots.lines().any(|l| l == format!("Disallow: {path}")),
            "{path} is open to crawlers:\n{robots}"
        );
    }
    // Nothing public is shut out: reports, courses, the home page, the feed.
    for line in robots.lines().filter_map(|l| l.strip_prefix("Disallow: ")) {
        for public in ["/", REPORT, COURSE, "/feed.xml", "/waitlists/pilot-course"] {
            assert!(
                line.contains('*') || !public.starts_with(line),
                "Disallow: {line} shuts out {public}"
            );
        }
    }
}

#[tokio::test]
async fn without_a_base_url_absolute_links_use_the_address_the_server_listens_on() {
    let app = spawn_app().await;
    let robots = app.get_text("/robots.txt").await;
    assert!(
        robots.contains(&format!("Sitemap: {}/sitemap.xml", app.address)),
        "{robots}"
    );
    let html = app.get_text(REPORT).await;
    assert_eq!(
        link_href(&html, "canonical").unwrap(),
        format!("{}{REPORT}", app.address)
    );
}

#[tokio::test]
async fn the_sitemap_lists_the_home_page_and_every_report_and_course_with_its_last_change() {
    let undated = "+++\ntitle = \"Undated\"\n+++\nNo date.\n";
    let updated = "+++\ntitle = \"Revised\"\ndate = 2026-01-02\nupdated = 2026-03-04T10:00:00+01:00\n+++\nText.\n";
    let draft = "+++\ntitle = \"Draft\"\ndraft = true\n+++\nNot yet.\n";
    let (app, _site) = spawn_site(&[
        ("reports/undated.md", undated),
        ("reports/revised.md", updated),
        ("reports/draft.md", draft),
    ])
    .await;
    let (status, content_type, xml) = fetch(&app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP, "urlset")), "{xml}");

    let mut entries = std::collections::BTreeMap::new();
    for url in root.children().filter(|n| n.is_element()) {
        assert!(url.has_tag_name((SITEMAP, "url")));
        let location = text_of(url, SITEMAP, "loc");
        let lastmod = url
            .children()
            .find(|n| n.has_tag_name((SITEMAP, "lastmod")))
            .map(|n| n.text().unwrap().to_owned());
        if let Some(date) = &lastmod {
            let date_only = time::macros::format_description!("[year]-[month]-[day]");
            assert!(
                time::Date::parse(date, &date_only).is_ok() || is_rfc3339(date),
                "lastmod {date} is not a W3C date"
            );
        }
        // Every address listed is a page the app serves.
        let (status, ..) = fetch(&app, path_of(&location)).await;
        assert_eq!(status, 200, "{location}");
        assert!(
            entries.insert(location.clone(), lastmod).is_none(),
            "{location} twice"
        );
    }
    let expected = [
        (format!("{ORIGIN}/"), Some("2026-11-20")),
        (format!("{ORIGIN}{REPORT}"), Some("2026-11-20")),
        (format!("{ORIGIN}{COURSE}"), None),
        (format!("{ORIGIN}/reports/undated"), None),
        (
            format!("{ORIGIN}/reports/revised"),
            Some("2026-03-04T10:00:00+01:00"),
        ),
    ];
    assert_eq!(entries.len(), expected.len(), "{entries:#?}");
    for (location, lastmod) in expected {
        assert_eq!(
            entries.get(&location).map(|l| l.as_deref()),
            Some(lastmod),
            "{location}: {entries:#?}"
        );
    }
}

#[tokio::test]
async fn the_feed_is_atom_with_every_dated_report_newest_first() {
    let newer = "+++\ntitle = \"Newer & better <findings>\"\ndescription = \"What changed.\"\ndate = 2027-01-10\nupdated = 2027-02-01T09:30:00+01:00\nauthors = [\"A. Author\", \"B. Author\"]\n+++\nText.\n";
    let older = "+++\ntitle = \"Older\"\ndate = 2025-01-05\n+++\nText.\n";
    let undated = "+++\ntitle = \"Undated\"\n+++\nText.\n";
    let (app, _site) = spawn_site(&[
        ("reports/newer.md", newer),
        ("reports/older.md", older),
        ("reports/undated.md", undated),
    ])
    .await;
    let (status, content_type, xml) = fetch(&app, "/feed.xml").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "{xml}");

    // RFC 4287 4.1.1: a feed has exactly one id, title and updated, and an author
    // (here at feed level, so every entry has one).
    for name in ["id", "title", "updated"] {
        let count = feed
            .children()
            .filter(|n| n.has_tag_name((ATOM, name)))
            .count();
        assert_eq!(count, 1, "feed <{name}>");
    }
    assert_eq!(
        text_of(feed, ATOM, "title"),
        "Psychedelic Practice Foundations"
    );
    assert_eq!(text_of(feed, ATOM, "id"), format!("{ORIGIN}/"));
    assert!(!text_of(child(feed, ATOM, "author"), ATOM, "name").is_empty());
    let self_link = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("self"))
        .expect("a self link");
    assert_eq!(
        self_link.attribute("href"),
        Some(&*format!("{ORIGIN}/feed.xml"))
    );
    let feed_updated = text_of(feed, ATOM, "updated");
    assert!(is_rfc3339(&feed_updated), "{feed_updated}");

    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    let titles: Vec<String> = entries.iter().map(|e| text_of(*e, ATOM, "title")).collect();
    assert_eq!(
        titles,
        [
            "Newer & better <findings>",
            "Ketamine as a Rapid-Acting Antidepressant: Mechanism, Evidence and Open Questions",
            "Older",
        ],
        "dated reports, newest first; no course, no undated report"
    );
    for entry in &entries {
        let id = text_of(*entry, ATOM, "id");
        let updated = text_of(*entry, ATOM, "updated");
        assert!(is_rfc3339(&updated), "{updated}");
        let link = entry
            .children()
            .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("alternate"))
            .expect("an alternate link");
        let href = link.attribute("href").unwrap();
        assert_eq!(href, id, "the id is the page's address");
        let (status, content_type, _) = fetch(&app, path_of(href)).await;
        assert_eq!(status, 200, "{href}");
        assert!(content_type.starts_with("text/html"));
        assert!(!text_of(*entry, ATOM, "summary").is_empty());
    }
    let newest = entries[0];
    assert_eq!(
        text_of(newest, ATOM, "updated"),
        "2027-02-01T09:30:00+01:00"
    );
    assert_eq!(text_of(newest, ATOM, "published"), "2027-01-10T00:00:00Z");
    assert_eq!(text_of(newest, ATOM, "summary"), "What changed.");
    let authors: Vec<String> = newest
        .children()
        .filter(|n| n.has_tag_name((ATOM, "author")))
        .map(|a| text_of(a, ATOM, "name"))
        .collect();
    assert_eq!(authors, ["A. Author", "B. Author"]);
    assert_eq!(feed_updated, "2027-02-01T09:30:00+01:00");
}

#[tokio::test]
async fn every_page_names_its_feed_and_icon_and_the_icon_answers() {
    let app = spawn_app().await;
    for path in [
        "/",
        REPORT,
        COURSE,
        "/waitlists/pilot-course",
        "/waitlists/pilot-course/check-your-inbox",
        "/privacy",
        "/manage",
        "/no/such/page",
    ] {
        let html = app.get_text(path).await;
        assert!(
            html.contains(&format!(
                r#"<link rel="alternate" type="application/atom+xml" title="Psychedelic Practice Foundations: reports" href="{}/feed.xml">"#,
                app.address
            )),
            "{path} does not name the feed"
        );
        assert_eq!(
            link_href(&html, "icon").as_deref(),
            Some("/favicon.ico"),
            "{path}"
        );
    }
    let response = app.get("/favicon.ico").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/x-icon");
    let icon = response.bytes().await.unwrap();
    // ICONDIR: reserved 0, type 1 (icon), at least one image.
    assert_eq!(&icon[..4], &[0, 0, 1, 0]);
    assert!(u16::from_le_bytes([icon[4], icon[5]]) >= 1);
}

#[tokio::test]
async fn pages_carry_a_canonical_address_and_share_tags_with_an_image_that_loads() {
    let (app, _site) = spawn_site(&[]).await;
    let cases = [
        ("/", "website", "Psychedelic Practice Foundations"),
        (
            REPORT,
            "article",
            "Ketamine as a Rapid-Acting Antidepressant: Mechanism, Evidence and Open Questions",
        ),
        (
            COURSE,
            "website",
            "Essential Business Foundations for Psychedelic Therapists",
        ),
        (
            "/waitlists/pilot-course",
            "website",
            "Essential Business Foundations for Psychedelic Therapists",
        ),
    ];
    for (path, og_type, title) in cases {
        let html = app.get_text(path).await;
        let canonical = link_href(&html, "canonical").unwrap_or_else(|| panic!("{path}"));
        let expected_url = format!("{ORIGIN}{}", if path == "/" { "/" } else { path });
        assert_eq!(canonical, expected_url);
        assert_eq!(meta(&html, "property", "og:url").unwrap(), expected_url);
        assert_eq!(
            meta(&html, "property", "og:type").unwrap(),
            og_type,
            "{path}"
        );
        assert_eq!(
            meta(&html, "property", "og:title").unwrap(),
            title,
            "{path}"
        );
        assert_eq!(
            meta(&html, "property", "og:site_name").unwrap(),
            "Psychedelic Practice Foundations"
        );
        let description = meta(&html, "property", "og:description").unwrap();
        assert!(!description.is_empty(), "{path}");
        assert_eq!(
            meta(&html, "name", "description").unwrap(),
            description,
            "{path}"
        );
        assert_eq!(
            meta(&html, "name", "twitter:card").unwrap(),
            "summary_large_image"
        );
        assert_eq!(meta(&html, "name", "twitter:title").unwrap(), title);
        let image = meta(&html, "property", "og:image").unwrap();
        assert_eq!(meta(&html, "name", "twitter:image").unwrap(), image);
        let response = app.get(path_of(&image)).await;
        assert_eq!(response.status().as_u16(), 200, "{image}");
        assert_eq!(response.headers()["content-type"], "image/png");
        let png = response.bytes().await.unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // The size share cards are drawn at (IHDR width and height).
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1200);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 630);
    }
    let report = app.get_text(REPORT).await;
    assert_eq!(
        meta(&report, "property", "article:published_time").unwrap(),
        "2026-11-20"
    );
    // A page reached through a link with a token is nobody's canonical page.
    let inbox = app
        .get_text("/waitlists/pilot-course/check-your-inbox")
        .await;
    assert!(link_href(&inbox, "canonical").is_none());
    assert!(inbox.contains(r#"<meta name="robots" content="noindex">"#));
}

#[tokio::test]
async fn structured_data_describes_the_report_the_course_and_the_site() {
    let (app, _site) = spawn_site(&[]).await;

    let report = json_ld(&app.get_text(REPORT).await);
    assert_eq!(report.len(), 1);
    let article = &report[0];
    assert_eq!(article["@context"], "https://schema.org");
    assert_eq!(article["@type"], "ScholarlyArticle");
    assert_eq!(
        article["headline"],
        "Ketamine as a Rapid-Acting Antidepressant: Mechanism, Evidence and Open Questions"
    );
    assert!(
        article["description"]
            .as_str()
            .unwrap()
            .starts_with("A sourced overview")
    );
    assert_eq!(article["datePublished"], "2026-11-20");
    assert_eq!(article["dateModified"], "2026-11-20");
    assert_eq!(article["inLanguage"], "en");
    assert_eq!(article["url"], format!("{ORIGIN}{REPORT}"));
    let author = &article["author"][0];
    assert_eq!(author["name"], "The Psychedelic Practice Foundations team");
    assert!(["Person", "Organization"].contains(&author["@type"].as_str().unwrap()));
    assert_eq!(article["publisher"]["@type"], "Organization");
    assert_eq!(
        article["publisher"]["name"],
        "Psychedelic Practice Foundations"
    );
    // The References section: 17 entries, in order, with their DOIs.
    let citations = article["citation"].as_array().unwrap();
    assert_eq!(citations.len(), 17);
    assert!(
        citations[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Li N, Lee B")
    );
    assert_eq!(citations[0]["@type"], "CreativeWork");
    assert_eq!(
        citations[0]["sameAs"],
        "https://doi.org/10.1126/science.1190287"
    );
    assert!(
        citations[16]["name"]
            .as_str()
            .unwrap()
            .starts_with("Kishimoto T")
    );
    let (status, ..) = fetch(&app, path_of(article["image"].as_str().unwrap())).await;
    assert_eq!(status, 200);

    let course = json_ld(&app.get_text(COURSE).await);
    assert_eq!(course[0]["@type"], "Course");
    assert_eq!(
        course[0]["name"],
        "Essential Business Foundations for Psychedelic Therapists"
    );
    assert!(!course[0]["description"].as_str().unwrap().is_empty());
    assert_eq!(course[0]["provider"]["@type"], "Organization");
    assert_eq!(
        course[0]["provider"]["name"],
        "Psychedelic Practice Foundations"
    );
    assert_eq!(course[0]["provider"]["url"], format!("{ORIGIN}/"));

    let home = json_ld(&app.get_text("/").await);
    assert_eq!(home[0]["@type"], "WebSite");
    assert_eq!(home[0]["url"], format!("{ORIGIN}/"));
    assert_eq!(home[0]["name"], "Psychedelic Practice Foundations");
}

#[tokio::test]
async fn a_title_cannot_close_the_json_ld_script_and_the_page_runs_no_script() {
    let hostile = "Dosing </script><script>alert(1)</script> & <!-- more";
    let report = format!(
        "+++\ntitle = {hostile:?}\ndescription = \"</SCRIPT >\"\ndate = 2026-05-01\n+++\nText.\n"
    );
    let (app, _site) = spawn_site(&[("reports/hostile.md", &report)]).await;
    let response = app.get("/reports/hostile").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    // Only data blocks; the CSP still lets no script run (no script-src, default none).
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    let scripts = html.matches("<script").count();
    assert_eq!(
        scripts,
        html.matches(r#"<script type="application/ld+json">"#)
            .count(),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("<script>alert"));
    let data = json_ld(&html);
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["headline"], hostile);
    assert_eq!(data[0]["description"], "</SCRIPT >");
}

#[tokio::test]
async fn an_unknown_address_gets_the_404_page_with_the_layout_and_a_way_back() {
    let app = spawn_app().await;
    for path in [
        "/reports/nope",
        "/courses/nope",
        "/static/nope.css",
        "/nothing/here",
        "/waitlists/pilot-course/nope",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Page not found</h1>"), "{path}: {html}");
        assert!(
            html.contains(r#"rel="stylesheet" href="/static/site."#),
            "{path}"
        );
        assert!(html.contains(r#"<a href="/">Go to the home page</a>"#));
        assert!(html.contains(&format!(r#"<a href="{REPORT}">"#)), "{path}");
        assert!(html.contains(&format!(r#"<a href="{COURSE}">"#)), "{path}");
        assert!(link_href(&html, "canonical").is_none());
    }
    // JSON clients keep their JSON 404.
    let json = app
        .post_signup_json(
            "no-such-list",
            &serde_json::json!({ "email": "a@example.com" }),
        )
        .await;
    assert_eq!(json.status().as_u16(), 404);
    let body: Json = json.json().await.unwrap();
    assert_eq!(body["error"]["field"], "list");
}

#[tokio::test]
async fn removed_pages_answer_410_and_leave_the_home_page_sitemap_and_feed() {
    let retired =
        "+++\ntitle = \"Retired report\"\ndate = 2025-06-01\ngone = true\n+++\nOld text.\n";
    let (app, _site) = spawn_site(&[
        ("reports/retired.md", retired),
        (
            "site.toml",
            "[[gone]]\npath = \"/reports/withdrawn\"\n\n[[gone]]\npath = \"/old-notes/\"\n",
        ),
    ])
    .await;
    for path in [
        "/reports/retired",
        "/reports/withdrawn",
        "/old-notes",
        "/old-notes/",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 410, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("This page was removed"), "{path}");
        assert!(html.contains(&format!(r#"<a href="{REPORT}">"#)), "{path}");
    }
    assert_eq!(app.get("/reports/never-was").await.status().as_u16(), 404);
    for path in ["/", "/sitemap.xml", "/feed.xml"] {
        let body = app.get_text(path).await;
        assert!(
            !body.contains("retired") && !body.contains("Retired"),
            "{path}"
        );
    }
}

#[test]
fn a_gone_address_that_is_also_published_stops_the_start_naming_both() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    write_files(
        site.path(),
        &[("site.toml", &format!("[[gone]]\npath = \"{REPORT}\"\n"))],
    );
    let mut config = quietlist::config::Config::new(site.path().join("data"));
    config.site_dir = Some(site.path().to_path_buf());
    let Err(error) = quietlist::startup::load_site(&config, ORIGIN) else {
        panic!("a site that both publishes and retires a page is refused");
    };
    let message = format!("{error:#}");
    assert!(
        message.contains(REPORT) && message.contains("reports/ketamine-rapid-antidepressant.md"),
        "{message}"
    );
}

#[tokio::test]
async fn a_reloaded_site_keeps_its_public_origin_in_the_feed_and_sitemap() {
    let (app, site) = spawn_site(&[]).await;
    // The watcher notes the folder as it is when it starts; give it that moment.
    assert!(!app.get_text("/feed.xml").await.contains("Added later"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    write_files(
        site.path(),
        &[(
            "reports/added.md",
            "+++\ntitle = \"Added later\"\ndate = 2027-05-05\n+++\nNew.\n",
        )],
    );
    let mut feed = String::new();
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        feed = app.get_text("/feed.xml").await;
        if feed.contains("Added later") {
            break;
        }
    }
    assert!(feed.contains("Added later"), "not republished within 8 s");
    assert!(
        feed.contains(&format!("<id>{ORIGIN}/reports/added</id>")),
        "{feed}"
    );
    let sitemap = app.get_text("/sitemap.xml").await;
    assert!(sitemap.contains(&format!("<loc>{ORIGIN}/reports/added</loc>")));
    let html = app.get_text("/reports/added").await;
    assert_eq!(
        link_href(&html, "canonical").unwrap(),
        format!("{ORIGIN}/reports/added")
    );
}
