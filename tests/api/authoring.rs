//! For authors: `quietlist new` and `quietlist check` run as the real binary, a broken
//! edit shown in the browser in development (and not in production), an edit made while
//! the site first builds, and drafts at their secret preview address.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::helpers::*;

const DRAFT: &str = "/reports/draft-findings";
const DRAFT_TITLE: &str = "Unpublished findings on esketamine";

fn quietlist_on_site(site: &Path, args: &[&str]) -> Output {
    quietlist_command()
        .arg("--site-dir")
        .arg(site)
        .args(args)
        .output()
        .expect("run quietlist")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn new_writes_a_report_and_a_course_that_check_passes_and_never_overwrites() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());

    for (kind, slug, file) in [
        ("report", "my-first-report", "reports/my-first-report.md"),
        (
            "course",
            "advanced-practice",
            "courses/advanced-practice.md",
        ),
    ] {
        let made = quietlist_on_site(site.path(), &["new", kind, slug]);
        assert!(made.status.success(), "{}", stderr(&made));
        let text = std::fs::read_to_string(site.path().join(file)).unwrap();
        assert!(text.starts_with("+++\ntitle = "), "{text}");
        assert!(text.contains("draft = true"), "{text}");
    }
    let checked = quietlist_on_site(site.path(), &["check"]);
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));
    let summary = stdout(&checked);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(
        summary.contains("2 reports and 2 courses checked: no errors"),
        "{summary}"
    );

    // An existing file is left alone, with a clear error and exit 1.
    let report = site.path().join("reports/my-first-report.md");
    std::fs::write(&report, "my own words").unwrap();
    let again = quietlist_on_site(site.path(), &["new", "report", "my-first-report"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "my own words");

    // A slug that could not be an address is refused, and nothing is written.
    for bad in ["Bad Slug", "../escape", "UPPER"] {
        let refused = quietlist_on_site(site.path(), &["new", "course", bad]);
        assert_eq!(refused.status.code(), Some(1), "{bad}");
        assert!(stderr(&refused).contains("slug"), "{}", stderr(&refused));
    }
    let courses = std::fs::read_dir(site.path().join("courses"))
        .unwrap()
        .count();
    assert_eq!(courses, 2);
    assert!(!site.path().join("escape.md").exists());
}

const BROKEN_REPORT: &str = "+++
titel = \"A typo for title\"
draft = \"yes\"
date = 08:30:00
waitlist = \"no-such-list\"
+++

A link to [a report](/reports/missing-report) and one to [the course](/courses/essential-business-foundations).

A finding [1] and one with no source [7].

![A chart](/static/chart.png)

## References

1. Cited once.
2. Never cited.
";

#[test]
fn check_prints_every_planted_problem_at_its_file_and_line_and_exits_1() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::write(site.path().join("reports/broken.md"), BROKEN_REPORT).unwrap();
    // Appended to files of the demo: their lines are counted, not assumed.
    let append = |file: &str, text: &str| -> usize {
        let path = site.path().join(file);
        let old = std::fs::read_to_string(&path).unwrap();
        let old = old.trim_end();
        std::fs::write(&path, format!("{old}\n{text}")).unwrap();
        old.lines().count() + 1
    };
    let course_line = append(
        "courses/essential-business-foundations.md",
        "\nSee [the retired course](/courses/retired-course).\n",
    ) + 1;
    let list_line = append(
        "site.toml",
        "\n[[lists]]\nname = \"second\"\ntitle = \"Second\"\nconsent = \"C\"\ncourse = \"no-such-course\"\n",
    ) + 5;

    let planted = [
        format!(
            "courses/essential-business-foundations.md:{course_line}: links to /courses/retired-course, but there is no page \"retired-course\""
        ),
        "reports/broken.md:1: front matter: `title` is missing".into(),
        "reports/broken.md:2: front matter: `titel`: unknown field `titel`".into(),
        "reports/broken.md:3: front matter: `draft`: invalid type".into(),
        "reports/broken.md:4: front matter: `date` needs a date".into(),
        "reports/broken.md:5: waitlist \"no-such-list\" is not declared in site.toml".into(),
        "reports/broken.md:8: links to /reports/missing-report, but there is no page".into(),
        "reports/broken.md:10: cites [7], but the References list has no entry 7".into(),
        "reports/broken.md:12: image \"/static/chart.png\" does not exist".into(),
        "reports/broken.md:17: warning: reference 2 is never cited in the text".into(),
        format!(
            "site.toml:{list_line}: list \"second\" names course \"no-such-course\", but courses/no-such-course.md does not exist"
        ),
    ];

    let checked = quietlist_on_site(site.path(), &["check"]);
    let printed = stdout(&checked);
    assert_eq!(checked.status.code(), Some(1), "{printed}");
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), planted.len(), "{printed}");
    for (line, expected) in lines.iter().zip(&planted) {
        assert!(
            line.starts_with(expected.as_str()),
            "{line}\n  should start with\n{expected}\n\n{printed}"
        );
    }
    let summary = stderr(&checked);
    assert!(
        summary.contains("10 errors (see above), 1 warning"),
        "{summary}"
    );

    // The server refuses to start on it, naming every error, not only the first.
    let data = tempfile::tempdir().unwrap();
    let refused = quietlist_command_on(data.path())
        .arg("--site-dir")
        .arg(site.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    for expected in planted.iter().filter(|p| !p.contains("warning:")) {
        assert!(
            said.contains(expected.as_str()),
            "{expected}\nmissing from\n{said}"
        );
    }
}

/// The text of HTML with the entities minijinja writes.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn wait_for_status(app: &TestApp, path: &str, status: u16) -> reqwest::Response {
    for _ in 0..80 {
        let response = app.get(path).await;
        if response.status().as_u16() == status {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} did not answer {status} within 8 s");
}

/// The report with two problems planted: a field that does not exist and a list name
/// with markup in it. Returns (good, broken) text.
fn break_the_report(report: &Path) -> (String, String) {
    let good = std::fs::read_to_string(report).unwrap();
    let broken = good
        .replacen(
            "waitlist = \"pilot-course\"",
            "waitlist = \"<b>pilot</b>\"",
            1,
        )
        .replacen("authors = [", "colour = \"red\"\nauthors = [", 1);
    assert_ne!(broken, good);
    std::fs::write(report, &broken).unwrap();
    (good, broken)
}

#[tokio::test]
async fn in_development_a_broken_edit_shows_its_problems_on_every_page_until_fixed() {
    // No base URL: http:// and the loopback address the tests listen on.
    broken_edit_shown_in_the_browser(|_| {}).await;
}

#[tokio::test]
async fn a_localhost_base_url_is_development_too() {
    broken_edit_shown_in_the_browser(|c| c.base_url = Some("http://localhost:8080".into())).await;
}

#[tokio::test]
async fn dev_asked_for_shows_a_broken_edit_on_any_origin() {
    broken_edit_shown_in_the_browser(|c| {
        c.base_url = Some("http://example.test".into());
        c.dev = true;
    })
    .await;
}

#[tokio::test]
async fn on_a_plain_http_origin_that_is_not_loopback_a_broken_edit_keeps_the_last_good_site() {
    // An intranet site, or one behind a proxy that forwards plain http: other people read
    // it, so no author's problems (with file paths) are shown to them.
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let app = spawn_app_with(|c| {
        c.site_dir = Some(site.path().to_path_buf());
        c.base_url = Some("http://example.test".into());
    })
    .await;
    let before = app.get_text(REPORT).await;
    let report = site.path().join("reports/ketamine-rapid-antidepressant.md");
    break_the_report(&report);
    // The folder is looked at every 2 s.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    for path in [REPORT, "/", COURSE, "/waitlists/pilot-course"] {
        let response = app.get(path).await;
        assert_eq!(
            response.status().as_u16(),
            200,
            "{path}: a broken edit took the page down on a public origin"
        );
        let page = unescape(&response.text().await.unwrap());
        for leak in ["ketamine-rapid-antidepressant.md", "front matter", "colour"] {
            assert!(
                !page.contains(leak),
                "{path} shows {leak:?} to readers:\n{page}"
            );
        }
    }
    let title = |html: &str| {
        html.split("<title>")
            .nth(1)
            .map(|t| t.split("</title>").next().unwrap_or("").to_owned())
    };
    assert!(title(&before).is_some(), "{before}");
    assert_eq!(
        title(&app.get_text(REPORT).await),
        title(&before),
        "not the last good page"
    );
    assert_eq!(app.get("/no-such-page").await.status().as_u16(), 404);
}

async fn broken_edit_shown_in_the_browser(configure: impl FnOnce(&mut quietlist::config::Config)) {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let app = spawn_app_with(|c| {
        c.site_dir = Some(site.path().to_path_buf());
        configure(c);
    })
    .await;
    assert_eq!(app.get(REPORT).await.status().as_u16(), 200);

    let report = site.path().join("reports/ketamine-rapid-antidepressant.md");
    let (good, _) = break_the_report(&report);

    let response = wait_for_status(&app, REPORT, 503).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("&lt;b&gt;pilot&lt;&#x2f;b&gt;"), "{page}");
    assert!(!page.contains("<b>pilot"), "{page}");
    // Both problems, each at its line; the author's text escaped, never markup.
    let page = unescape(&page);
    assert!(
        page.contains("reports/ketamine-rapid-antidepressant.md:5: front matter: `colour`"),
        "{page}"
    );
    assert!(
        page.contains("reports/ketamine-rapid-antidepressant.md:7: front matter: `waitlist`"),
        "{page}"
    );
    assert!(
        page.contains("\"<b>pilot</b>\" is not a valid name"),
        "{page}"
    );
    for other in ["/", COURSE, "/waitlists/pilot-course", "/no-such-page"] {
        assert_eq!(app.get(other).await.status().as_u16(), 503, "{other}");
    }

    std::fs::write(&report, &good).unwrap();
    wait_for_status(&app, REPORT, 200).await;
    assert_eq!(app.get("/").await.status().as_u16(), 200);
    assert_eq!(app.get("/no-such-page").await.status().as_u16(), 404);
}

#[tokio::test]
async fn an_edit_made_while_the_site_first_builds_is_published() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut config = quietlist::config::Config::new(data_dir.clone());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.site_dir = Some(site.path().to_path_buf());
    if let Some(url) = database_url_for(&data_dir) {
        config.database.url = Some(secrecy::SecretString::from(url));
    }
    let app = quietlist::startup::Application::build(config)
        .await
        .unwrap();
    // The site is built; the watcher has not looked at the folder yet.
    let report = site.path().join("reports/ketamine-rapid-antidepressant.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, format!("{text}\nWritten during the start.\n")).unwrap();

    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let mut published = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let html = reqwest::get(format!("{address}{REPORT}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if html.contains("Written during the start.") {
            published = true;
            break;
        }
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(
        published,
        "an edit made during the start was never published"
    );
}

const ORIGIN: &str = "https://reports.example.org";

#[tokio::test]
async fn a_draft_is_readable_only_at_its_secret_preview_address() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::write(
        site.path().join("reports/draft-findings.md"),
        format!(
            "+++\ntitle = \"{DRAFT_TITLE}\"\ndate = 2027-01-10\nwaitlist = \"pilot-course\"\ndraft = true\n+++\n\nNot for readers yet.\n"
        ),
    )
    .unwrap();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| {
        c.site_dir = Some(dir);
        c.base_url = Some(ORIGIN.into());
    })
    .await;

    // Nowhere in public.
    assert_eq!(app.get(DRAFT).await.status().as_u16(), 404);
    for path in ["/", "/sitemap.xml", "/feed.xml", REPORT, COURSE] {
        let text = app.get_text(path).await;
        assert!(
            !text.contains("draft-findings") && !text.contains(DRAFT_TITLE),
            "{path} shows the draft"
        );
    }

    // The owner asks the command line for the address (same data folder, same key).
    let asked = quietlist_command_on(&app.data_dir)
        .arg("--site-dir")
        .arg(site.path())
        .args(["preview", DRAFT, "--base-url", ORIGIN])
        .output()
        .unwrap();
    assert!(asked.status.success(), "{}", stderr(&asked));
    let url = stdout(&asked).trim().to_owned();
    let path = url.strip_prefix(ORIGIN).expect("on the public origin");
    assert!(
        path.starts_with("/preview/") && path.ends_with(DRAFT),
        "{path}"
    );

    let preview = app.get(path).await;
    assert_eq!(preview.status().as_u16(), 200);
    assert_eq!(preview.headers()["x-robots-tag"], "noindex");
    assert!(
        preview.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let html = preview.text().await.unwrap();
    assert!(html.contains(DRAFT_TITLE) && html.contains("Not for readers yet."));
    assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
    assert!(!html.contains("application/ld+json") && !html.contains(r#"rel="canonical""#));

    // A tampered token, or the draft's token on another page, is an unknown address.
    let token = path
        .strip_prefix("/preview/")
        .unwrap()
        .strip_suffix(DRAFT)
        .unwrap();
    // The first character: all six of its bits are the MAC's (the last one's are not).
    let first = token.chars().next().unwrap();
    let tampered = format!("{}{}", if first == 'A' { 'B' } else { 'A' }, &token[1..]);
    let not_found = app.get_text("/no-such-page").await;
    for wrong in [
        format!("/preview/{tampered}{DRAFT}"),
        format!("/preview/{token}x{DRAFT}"),
        format!("/preview/{token}{REPORT}"),
        format!("/preview/{token}/reports/draft-findings-2"),
    ] {
        let response = app.get(&wrong).await;
        assert_eq!(response.status().as_u16(), 404, "{wrong}");
        assert_eq!(response.text().await.unwrap(), not_found, "{wrong}");
    }

    // A published page has no preview address.
    let published = quietlist_command_on(&app.data_dir)
        .arg("--site-dir")
        .arg(site.path())
        .args(["preview", REPORT])
        .output()
        .unwrap();
    assert_eq!(published.status.code(), Some(1));
    assert!(
        stderr(&published).contains("is not a draft"),
        "{}",
        stderr(&published)
    );
}

#[test]
fn check_builds_the_site_as_the_server_does_and_reports_a_broken_template() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(
        site.path().join("templates/page.html"),
        "{% extends \"base.html\" %}{% block content %}{% if %}{% endblock %}",
    )
    .unwrap();
    let checked = quietlist_on_site(site.path(), &["check"]);
    assert_eq!(checked.status.code(), Some(1), "{}", stdout(&checked));
    assert!(
        stdout(&checked).contains("page.html"),
        "{}",
        stdout(&checked)
    );
    assert!(
        stderr(&checked).contains("does not build"),
        "{}",
        stderr(&checked)
    );
}
