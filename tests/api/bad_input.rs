use crate::helpers::*;

#[tokio::test]
async fn an_invalid_address_gets_422_with_the_form_again_the_message_beside_it_and_the_input_kept()
{
    let app = spawn_app().await;
    let response = app
        .post_signup_form(
            LIST,
            &[
                ("email", "not-an-address"),
                ("name", "Ada"),
                ("role", "trainee"),
                ("form", "report:ketamine-rapid-antidepressant"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("value=\"not-an-address\""),
        "the input is kept"
    );
    assert!(html.contains("value=\"Ada\""));
    assert!(html.contains("<option value=\"trainee\" selected>"));
    assert!(
        html.contains("value=\"report:ketamine-rapid-antidepressant\""),
        "the form id is kept"
    );
    let field = html.find("id=\"email\"").unwrap();
    let message = html.find("id=\"email-error\"").unwrap();
    assert!(
        message > field && message - field < 400,
        "the message sits beside the field"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(app.smtp().mails().is_empty());
}

#[tokio::test]
async fn typed_input_is_escaped_when_shown_again() {
    let app = spawn_app().await;
    let response = app
        .post_signup_form(LIST, &[("email", "\"><script>alert(1)</script>")])
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&quot;&gt;&lt;script&gt;"));
}

#[tokio::test]
async fn an_invalid_address_in_json_gets_422_naming_the_field() {
    let app = spawn_app().await;
    let response = app
        .post_signup_json(LIST, &serde_json::json!({ "email": "nope" }))
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "email");
    assert!(body["error"]["message"].as_str().unwrap().contains('@'));
}

#[tokio::test]
async fn a_bad_custom_field_gets_422_naming_it() {
    let app = spawn_app().await;
    let response = app
        .post_signup_json(
            LIST,
            &serde_json::json!({ "email": "ok@example.com", "role": "astronaut" }),
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "role");
    let html = app
        .post_signup_form(
            LIST,
            &[("email", "ok@example.com"), ("name", &"x".repeat(101))],
        )
        .await;
    assert_eq!(html.status().as_u16(), 422);
    assert!(html.text().await.unwrap().contains("id=\"name-error\""));
}

#[tokio::test]
async fn an_unknown_waitlist_is_404_for_forms_and_json() {
    let app = spawn_app().await;
    let form = app
        .post_signup_form("no-such-list", &[("email", "a@example.com")])
        .await;
    assert_eq!(form.status().as_u16(), 404);
    assert!(form.text().await.unwrap().contains("Page not found"));
    let json = app
        .post_signup_json(
            "no-such-list",
            &serde_json::json!({ "email": "a@example.com" }),
        )
        .await;
    assert_eq!(json.status().as_u16(), 404);
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["error"]["field"], "list");
}

#[tokio::test]
async fn a_body_over_16_kib_is_413() {
    let app = spawn_app().await;
    let big = format!("email=a%40example.com&name={}", "x".repeat(17 * 1024));
    let response = app
        .client
        .post(app.url("/waitlists/pilot-course/signups"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    // Without a Content-Length (chunked), the limit still holds.
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(big.into_bytes())]);
    let chunked = app
        .client
        .post(app.url("/waitlists/pilot-course/signups"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status().as_u16(), 413);
    let body: serde_json::Value = chunked.json().await.unwrap();
    assert_eq!(body["error"]["field"], "body");
    assert!(app.smtp().mails().is_empty());
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_415() {
    let app = spawn_app().await;
    for content_type in [
        Some("text/plain"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = app
            .client
            .post(app.url("/waitlists/pilot-course/signups"))
            .body("email=a%40example.com");
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
    }
}

#[tokio::test]
async fn malformed_json_gets_a_4xx_naming_the_problem() {
    let app = spawn_app().await;
    let cases: [(&str, u16, &str); 4] = [
        ("{not json", 400, "body"),
        ("[\"a@example.com\"]", 422, "body"),
        ("{\"email\": 42}", 422, "email"),
        (
            "{\"email\": \"a@example.com\", \"name\": {\"x\": 1}}",
            422,
            "name",
        ),
    ];
    for (body, status, field) in cases {
        let response = app
            .client
            .post(app.url("/waitlists/pilot-course/signups"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["error"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn nothing_a_visitor_sends_gets_a_5xx() {
    let app = spawn_app().await;
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "application/x-www-form-urlencoded",
            b"email=%ff%fe%00&name=%e2%28%a1".to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"email".to_vec()),
        ("application/x-www-form-urlencoded", b"&&&===&".to_vec()),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, 0x00, 0x01],
        ),
        (
            "application/x-www-form-urlencoded",
            b"email=a%40example.com&email=b%40example.com".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("email={}%40example.com", "a".repeat(300)).into_bytes(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"email=a%40example.com&ref=%00%01'--".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"email=a%40example.com&form=%3Cscript%3E".to_vec(),
        ),
        ("application/json", b"null".to_vec()),
        ("application/json", b"\"string\"".to_vec()),
        ("application/json", vec![0xff; 64]),
        ("application/json", b"{\"email\": null}".to_vec()),
        (
            "application/json; charset=latin1",
            b"{\"email\": \"a@example.com\"}".to_vec(),
        ),
        ("APPLICATION/JSON", b"{}".to_vec()),
    ];
    for (content_type, body) in bodies {
        let response = app
            .client
            .post(app.url("/waitlists/pilot-course/signups"))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(
            (200..500).contains(&status),
            "{content_type} {body:?} got {status}"
        );
    }
    for path in [
        "/waitlists/%ff/signups",
        "/waitlists/pilot-course/signups/extra",
        "/reports/%00",
        "/confirm/",
        "/static/..%2f..%2fCargo.toml",
    ] {
        let status = app
            .client
            .post(app.url(path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!((400..500).contains(&status), "POST {path} got {status}");
        let status = app.get(path).await.status().as_u16();
        assert!((400..500).contains(&status), "GET {path} got {status}");
    }
}
