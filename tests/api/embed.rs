//! A form for other sites: the embeddable form (plain HTML, framable only by the origins
//! in `allowed_origins`) and JSON signups from those origins (CORS on the signup
//! endpoint only), with the same limits and the same answers as the form.

use quietlist::abuse::table::Rate;
use serde_json::json;

use crate::helpers::*;

const LISTED: &str = "https://example.com";
const UNLISTED: &str = "https://elsewhere.example.net";

/// The app on a copy of the demo site whose site.toml lets `origins` in.
async fn spawn_with_origins(
    origins: &[&str],
    configure: impl FnOnce(&mut quietlist::config::Config) + Send + 'static,
) -> (TestApp, tempfile::TempDir) {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let toml = site.path().join("site.toml");
    let old = std::fs::read_to_string(&toml).unwrap();
    // A top-level key: before the first table.
    std::fs::write(&toml, format!("allowed_origins = {origins:?}\n{old}")).unwrap();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| {
        c.site_dir = Some(dir);
        configure(c);
    })
    .await;
    (app, site)
}

fn signups(app: &TestApp) -> String {
    app.url(&format!("/waitlists/{LIST}/signups"))
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let rest = &html[html.find(&marker).expect(name) + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_embedded_form_is_plain_html_that_only_the_listed_origins_may_frame() {
    let (app, _site) = spawn_with_origins(&[LISTED, "http://127.0.0.1:9"], |_| {}).await;
    let response = app.get(&format!("/waitlists/{LIST}/embed")).await;
    assert_eq!(response.status().as_u16(), 200);
    let policy = header(&response, "content-security-policy").unwrap();
    assert!(
        policy.contains(&format!("frame-ancestors {LISTED} http://127.0.0.1:9;")),
        "{policy}"
    );
    assert!(policy.contains("form-action 'self'"), "{policy}");
    assert_eq!(header(&response, "x-frame-options"), None);
    assert_eq!(header(&response, "set-cookie"), None, "no cookie");
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script"), "no script: {html}");
    assert!(
        html.contains(&format!(
            "action=\"{}/waitlists/{LIST}/signups\" target=\"_top\"",
            app.address
        )),
        "{html}"
    );

    // Filled in and sent as a browser would: the same answer as the site's own form,
    // and the person gets the confirmation mail.
    let stamp = hidden_value(&html, "stamp");
    let form = hidden_value(&html, "form");
    assert_eq!(form, format!("embed:{LIST}"));
    let sent = app
        .post_signup_form(
            LIST,
            &[
                ("email", "framed@example.com"),
                ("form", &form),
                ("stamp", &stamp),
            ],
        )
        .await;
    assert_eq!(sent.status().as_u16(), 303);
    assert_eq!(
        header(&sent, "location").as_deref(),
        Some(format!("/waitlists/{LIST}/check-your-inbox").as_str())
    );
    app.mail_to("framed@example.com").await;

    assert_eq!(app.get("/waitlists/no-such-list/embed").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn without_allowed_origins_no_site_may_frame_the_form() {
    let app = spawn_app().await;
    let response = app.get(&format!("/waitlists/{LIST}/embed")).await;
    assert_eq!(response.status().as_u16(), 200);
    let policy = header(&response, "content-security-policy").unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // And no CORS for anyone.
    let preflight = preflight(&app, LISTED).await;
    assert_eq!(header(&preflight, "access-control-allow-origin"), None);
    app.stop().await;
}

#[tokio::test]
async fn a_site_toml_origin_that_is_not_an_origin_is_refused_at_start() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let toml = site.path().join("site.toml");
    let old = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("allowed_origins = [\"https://example.com/form\"]\n{old}"),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = serve_command(data.path(), &[])
        .env("QUIETLIST_SITE_DIR", site.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("allowed_origins") && stderr.contains("https://example.com/form"),
        "{stderr}"
    );
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, signups(app))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

async fn json_signup(app: &TestApp, origin: &str, body: &serde_json::Value) -> reqwest::Response {
    app.client
        .post(signups(app))
        .header("origin", origin)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn json_signups_get_cors_for_the_listed_origins_only_and_only_on_the_signup_endpoint() {
    let (app, _site) = spawn_with_origins(&[LISTED], |_| {}).await;

    let listed = preflight(&app, LISTED).await;
    assert!(listed.status().is_success(), "{}", listed.status());
    assert_eq!(
        header(&listed, "access-control-allow-origin").as_deref(),
        Some(LISTED)
    );
    let methods = header(&listed, "access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = header(&listed, "access-control-allow-headers").unwrap();
    assert!(
        headers.to_ascii_lowercase().contains("content-type"),
        "{headers}"
    );
    assert_eq!(header(&listed, "access-control-allow-credentials"), None);

    // The unlisted origin's preflight carries no permission: its browser stops there.
    let unlisted = preflight(&app, UNLISTED).await;
    assert_eq!(header(&unlisted, "access-control-allow-origin"), None);

    let from_listed = json_signup(&app, LISTED, &json!({ "email": "cors@example.com" })).await;
    assert_eq!(from_listed.status().as_u16(), 202);
    assert_eq!(
        header(&from_listed, "access-control-allow-origin").as_deref(),
        Some(LISTED)
    );
    let vary = header(&from_listed, "vary").unwrap_or_default();
    assert!(vary.to_ascii_lowercase().contains("origin"), "{vary}");
    let from_unlisted = json_signup(&app, UNLISTED, &json!({ "email": "x@example.com" })).await;
    assert_eq!(header(&from_unlisted, "access-control-allow-origin"), None);

    // Nowhere else, not even for a listed origin.
    for path in [
        "/manage",
        "/admin/login",
        &format!("/waitlists/{LIST}/challenge"),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("origin", LISTED)
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}"
        );
        let options = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", LISTED)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&options, "access-control-allow-origin"),
            None,
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_json_signup_from_another_origin_answers_the_same_bytes_for_a_new_and_a_known_address() {
    let (app, _site) = spawn_with_origins(&[LISTED], |_| {}).await;
    let mut answers = Vec::new();
    for email in ["known@example.com", "known@example.com", "new@example.com"] {
        let response = json_signup(&app, LISTED, &json!({ "email": email })).await;
        let status = response.status().as_u16();
        let content_type = header(&response, "content-type");
        let body = response.bytes().await.unwrap();
        answers.push((status, content_type, body));
    }
    assert_eq!(answers[0].0, 202);
    assert_eq!(answers[0], answers[1], "a known address, byte for byte");
    assert_eq!(answers[0], answers[2], "a new address, byte for byte");

    // Bad JSON is a 422 that names the field.
    let bad = json_signup(&app, LISTED, &json!({ "email": "not an address" })).await;
    assert_eq!(bad.status().as_u16(), 422);
    assert_eq!(
        header(&bad, "access-control-allow-origin").as_deref(),
        Some(LISTED),
        "the page can read why"
    );
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "email", "{body}");
    let wrong_type = json_signup(&app, LISTED, &json!({ "email": 5 })).await;
    assert_eq!(wrong_type.status().as_u16(), 422);
    let body: serde_json::Value = wrong_type.json().await.unwrap();
    assert_eq!(body["error"]["field"], "email", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn the_signup_limits_hold_for_json_signups_from_another_origin() {
    let (app, _site) = spawn_with_origins(&[LISTED], |c| {
        c.limits.signup.network = Rate {
            burst: 3,
            per_second: 1.0 / 3600.0,
        };
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = json_signup(
            &app,
            LISTED,
            &json!({ "email": format!("p{i}@example.com") }),
        )
        .await;
        statuses.push(response.status().as_u16());
        if response.status().as_u16() == 429 {
            assert!(header(&response, "retry-after").is_some());
            assert_eq!(
                header(&response, "access-control-allow-origin").as_deref(),
                Some(LISTED),
                "the page can read that it was too many"
            );
        }
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429, 429]);
    app.stop().await;
}
