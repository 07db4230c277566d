use crate::helpers::*;

#[tokio::test]
async fn the_home_page_lists_the_report_and_the_course() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("href=\"{REPORT}\"")), "{html}");
    assert!(html.contains(&format!("href=\"{COURSE}\"")));
    assert!(html.contains("Essential Business Foundations for Psychedelic Therapists"));
}

#[tokio::test]
async fn the_report_ends_with_the_waitlist_form_and_the_promise() {
    let app = spawn_app().await;
    let html = app.get_text(REPORT).await;
    for section in [
        "mechanism-of-action",
        "clinical-findings",
        "future-directions",
    ] {
        assert!(
            html.contains(&format!("id=\"{section}\"")),
            "missing {section}"
        );
    }
    let article_end = html.find("</article>").unwrap();
    let form = html
        .find("action=\"/waitlists/pilot-course/signups\"")
        .unwrap();
    assert!(form > article_end, "the form comes after the report");
    assert!(html.contains("We will never spam you or sell your information. Ever."));
    assert!(html.to_lowercase().contains("not medical advice"));
    assert!(html.contains("name=\"email\""));
}

#[tokio::test]
async fn the_course_page_has_the_form_too() {
    let app = spawn_app().await;
    let html = app.get_text(COURSE).await;
    assert!(html.contains("action=\"/waitlists/pilot-course/signups\""));
    assert!(html.contains("value=\"course:essential-business-foundations\""));
}

#[tokio::test]
async fn pages_need_no_script_and_load_nothing_from_other_origins() {
    let app = spawn_app().await;
    for path in ["/", REPORT, COURSE, "/waitlists/pilot-course"] {
        let response = app.get(path).await;
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{path} sets a cookie"
        );
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let html = response.text().await.unwrap();
        // JSON-LD is the one script element allowed: data, never run.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script type=\"application/ld+json\">")
                .count(),
            "{path} has a script"
        );
        for attr in ["src=\"http", "src=\"//", "href=\"//"] {
            assert!(
                !html.contains(attr),
                "{path} loads from another origin: {attr}"
            );
        }
        let stylesheet = html.split("rel=\"stylesheet\" href=\"").nth(1).unwrap();
        assert!(
            stylesheet.starts_with("/static/site."),
            "{path}: {stylesheet}"
        );
    }
}

#[tokio::test]
async fn pages_are_cached_with_etags_and_precompressed() {
    let app = spawn_app().await;
    // The home page has no form; pages with one are tested in abuse.rs (their form's
    // stamp is filled per request, so they are offered in gzip, not brotli).
    let first = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["content-encoding"], "br");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "a strong ETag: {etag}");
    let again = app
        .client
        .get(app.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let gzip = app
        .client
        .get(app.url(REPORT))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");

    let html = app.get_text("/").await;
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let css_response = app.get(css).await;
    assert_eq!(css_response.status().as_u16(), 200);
    assert!(
        css_response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

#[tokio::test]
async fn unknown_pages_get_a_404_page() {
    let app = spawn_app().await;
    for path in [
        "/reports/nope",
        "/courses/nope",
        "/nothing/here",
        "/static/nope.css",
        "/waitlists/nope",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert!(response.text().await.unwrap().contains("Page not found"));
    }
}

/// Every `datetime` attribute of a `<time>` element in `html`.
fn time_datetimes(html: &str) -> Vec<String> {
    html.split("<time")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
            let value = tag
                .split("datetime=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or_else(|| panic!("a <time> without a datetime: <time{tag}>"));
            value.to_owned()
        })
        .collect()
}

/// An ISO 8601 calendar date (`2026-11-20`) or a date-time with an offset (RFC 3339) or
/// without one (`2026-11-20T08:30:00`).
fn is_iso_8601_date_or_date_time(value: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let date = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &date).is_ok()
        || time::OffsetDateTime::parse(value, &Rfc3339).is_ok()
        || time::PrimitiveDateTime::parse(value, &Iso8601::DEFAULT).is_ok()
}

/// Every HTML page the app serves without a token: the sitemap's, the waitlist pages,
/// the privacy and manage pages, and the 404 page.
async fn every_public_page(app: &TestApp) -> Vec<String> {
    let sitemap = app.get_text("/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    let mut paths: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| {
            let url = n.text().unwrap();
            url.strip_prefix(&app.address).unwrap().to_owned()
        })
        .collect();
    for path in [
        "/waitlists/pilot-course",
        "/waitlists/pilot-course/check-your-inbox",
        "/privacy",
        "/manage",
        "/no/such/page",
    ] {
        paths.push(path.to_owned());
    }
    paths
}

#[tokio::test]
async fn every_time_element_carries_an_iso_8601_date() {
    let app = spawn_app().await;
    let mut seen = 0;
    let paths = every_public_page(&app).await;
    assert!(paths.len() >= 8, "{paths:?}");
    for path in paths {
        let html = app.get_text(&path).await;
        for value in time_datetimes(&html) {
            assert!(
                is_iso_8601_date_or_date_time(&value),
                "{path}: <time datetime=\"{value}\"> is not an ISO 8601 date"
            );
            seen += 1;
        }
    }
    // The report is dated: it shows its date on the home page and on its own page.
    assert!(seen >= 2, "only {seen} <time> elements found");
}

#[tokio::test]
async fn each_page_states_the_promise_once() {
    let app = spawn_app().await;
    let promise = "We will never spam you or sell your information. Ever.";
    for path in ["/", REPORT, COURSE, "/waitlists/pilot-course", "/privacy"] {
        let html = app.get_text(path).await;
        assert_eq!(
            html.matches(promise).count(),
            1,
            "{path} does not state the promise exactly once"
        );
    }
}

#[tokio::test]
async fn check_your_inbox_leads_back_to_the_home_page() {
    let app = spawn_app().await;
    let html = app
        .get_text("/waitlists/pilot-course/check-your-inbox")
        .await;
    assert!(
        html.contains("<a href=\"/\">Back to the home page</a>"),
        "{html}"
    );
}

#[tokio::test]
async fn the_privacy_page_nests_no_brackets() {
    let app = spawn_app().await;
    let html = app.get_text("/privacy").await;
    let text = html.split("<main").nth(1).unwrap_or(&html);
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        assert!(
            depth <= 1,
            "nested brackets on the privacy page: {}",
            &text[i.saturating_sub(80)..i + 1]
        );
    }
}

/// Every line of a mail's text part that runs on into the next line of the same
/// paragraph although the next word would have fit in 72 columns, i.e. a sentence broken
/// by a hard wrap at an odd place (text parts are wrapped at 72 by words since the
/// reading change; see tests/api/reading.rs).
fn hard_wrapped_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|pair| {
            let (line, next) = (pair[0].trim_end(), pair[1].trim());
            // A line ending in a word (no stop, colon or link) followed by a line of
            // prose (not a link, a signature or a blank) is a sentence cut in two.
            !line.is_empty()
                && !next.is_empty()
                && !line.ends_with(['.', ':', '?', '!', ')'])
                && !line.contains("://")
                && !next.starts_with("http")
                && !next.starts_with('(')
                && line != "--"
                && line.chars().count() + 1 + next.split(' ').next().unwrap_or("").chars().count()
                    <= 72
        })
        .map(|pair| format!("{} / {}", pair[0], pair[1]))
        .collect()
}

#[tokio::test]
async fn plain_text_mails_are_not_hard_wrapped_mid_sentence() {
    let app = spawn_app().await;
    app.sign_up_and_confirm("reader@example.com").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mails = loop {
        let mails = app.mails_to("reader@example.com");
        if mails.len() >= 2 || tokio::time::Instant::now() > deadline {
            break mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        mails.len() >= 2,
        "expected the confirmation and the welcome"
    );
    for mail in &mails {
        let text = text_body(mail);
        let cut = hard_wrapped_lines(&text);
        assert!(cut.is_empty(), "hard-wrapped mid-sentence: {cut:?}\n{text}");
        if text.contains("Please confirm") {
            assert!(
                text.contains("deleted within a week at most"),
                "the confirmation names a fixed 7 days:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn the_invite_command_counts_one_person_in_the_singular() {
    let app = spawn_app().await;
    app.sign_up_and_confirm("only@example.com").await;
    let out = invite_next(&app, "1", "4");
    assert!(
        out.contains("1 person was waiting") && !out.contains("1 people"),
        "{out}"
    );
}
