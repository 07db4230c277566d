//! Regression tests for the holes an outsider could use (issue 9). Each was seen to fail
//! on the code before its fix; the commit that fixed it says how.

use crate::helpers::*;
use crate::promise::confirmed_person;

async fn erase_through(app: &TestApp, manage: &str) {
    let erased = app
        .client
        .post(format!("{manage}/erase"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status().as_u16(), 200);
}

#[tokio::test]
async fn an_erased_persons_old_unsubscribe_link_never_acts_on_whoever_signs_up_next() {
    let app = spawn_app().await;
    let (old_unsubscribe, old_manage) = confirmed_person(&app, "first@example.com").await;
    erase_through(&app, &old_manage).await;
    let (_, manage) = confirmed_person(&app, "second@example.com").await;

    let response = app
        .client
        .post(&old_unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status().is_success());
    assert_eq!(
        app.status_of("second@example.com").as_deref(),
        Some("confirmed"),
        "the erased person's link unsubscribed the next person"
    );
    // The erased person's consent record is not shown as the next person's.
    let download = app
        .client
        .post(format!("{manage}/download"))
        .send()
        .await
        .unwrap();
    let data: serde_json::Value = download.json().await.unwrap();
    assert_eq!(
        data["person"]["consents"].as_array().map(Vec::len),
        Some(1),
        "one consent record, their own: {data}"
    );
}
