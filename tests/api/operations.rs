//! Running it: the site folder re-rendered on change, rate limits, mail paused.

use std::time::Duration;

use crate::helpers::*;

#[tokio::test]
async fn a_changed_site_folder_is_rendered_again_and_a_broken_edit_keeps_the_last_good_site() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    let app = spawn_app_with(|c| c.site_dir = Some(site.path().to_path_buf())).await;
    let before = app.get(REPORT).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();

    let report = site.path().join("reports/ketamine-rapid-antidepressant.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        format!("{text}\n\nAn added closing line for the reload test.\n"),
    )
    .unwrap();
    let mut changed = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let html = app.get_text(REPORT).await;
        if html.contains("An added closing line for the reload test.") {
            changed = true;
            break;
        }
    }
    assert!(changed, "the edit was not published within 6 s");
    assert_ne!(
        app.get(REPORT).await.headers()["etag"].to_str().unwrap(),
        etag
    );

    std::fs::write(&report, "+++\ntitel = \"broken\"\n+++\n").unwrap();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let still = app.get(REPORT).await;
    assert_eq!(
        still.status().as_u16(),
        200,
        "a broken edit must not take the page down"
    );
    assert!(
        still
            .text()
            .await
            .unwrap()
            .contains("An added closing line")
    );
}

#[tokio::test]
async fn a_client_flooding_the_form_gets_429_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.signup.network.burst = 3;
        c.limits.signup.network.per_second = 1.0 / 60.0;
    })
    .await;
    for i in 0..3 {
        let response = app
            .post_signup_form(LIST, &[("email", &format!("flood{i}@example.com"))])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let refused = app
        .post_signup_form(LIST, &[("email", "flood9@example.com")])
        .await;
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let json = app
        .post_signup_json(LIST, &serde_json::json!({ "email": "flood9@example.com" }))
        .await;
    assert_eq!(json.status().as_u16(), 429);
    let body: serde_json::Value = json.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Too many")
    );
}

#[tokio::test]
async fn with_rate_limits_off_the_same_client_is_not_refused() {
    let app = spawn_app_with(|c| {
        c.rate_limit = false;
        c.limits.signup.network.burst = 1;
    })
    .await;
    for i in 0..5 {
        let response = app
            .post_signup_form(LIST, &[("email", &format!("bench{i}@example.com"))])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
}

#[tokio::test]
async fn with_mail_paused_signups_are_kept_and_nothing_is_sent() {
    let app = spawn_app_with(|c| c.send_mail = false).await;
    app.sign_up("paused@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.smtp().mails().is_empty());
    assert_eq!(
        app.status_of("paused@example.com").as_deref(),
        Some("pending")
    );
}
