//! A signup body that names a field twice is refused with 422 naming the field: which of
//! the two values was meant is not for the server to guess.

use crate::helpers::*;

async fn post_raw(app: &TestApp, content_type: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/waitlists/{LIST}/signups")))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_form_with_any_field_twice_is_refused_with_422_naming_the_field() {
    let app = spawn_app().await;
    for (field, body) in [
        ("email", "email=a%40example.org&email=b%40example.org"),
        ("name", "email=c%40example.org&name=Ada&name=Grace"),
        ("role", "email=d%40example.org&role=trainee&role=trainee"),
        ("form", "email=e%40example.org&form=x&form=y"),
    ] {
        let response = post_raw(&app, "application/x-www-form-urlencoded", body).await;
        assert_eq!(response.status().as_u16(), 422, "{field} twice");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("“{field}”")),
            "the answer names {field}: {html}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.smtp().mails().is_empty(), "no signup was made");
    assert!(app.export_rows(LIST).len() <= 1, "no one is on the list");
}

#[tokio::test]
async fn json_with_a_key_twice_is_refused_with_422_naming_the_field() {
    let app = spawn_app().await;
    for (field, body) in [
        (
            "email",
            r#"{"email":"a@example.org","email":"b@example.org"}"#,
        ),
        (
            "name",
            r#"{"email":"c@example.org","name":"Ada","name":null}"#,
        ),
    ] {
        let response = post_raw(&app, "application/json", body).await;
        assert_eq!(response.status().as_u16(), 422, "{field} twice");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["error"]["field"], field);
    }
    // One key once is still fine.
    let response = post_raw(&app, "application/json", r#"{"email":"f@example.org"}"#).await;
    assert_eq!(response.status().as_u16(), 202);
}
