use crate::helpers::*;

#[tokio::test]
async fn a_person_signs_up_confirms_by_mail_and_sees_their_place_in_line() {
    let app = spawn_app().await;
    let response = app
        .post_signup_form(
            LIST,
            &[
                ("email", "ada@example.com"),
                ("form", "report:ketamine-rapid-antidepressant"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/waitlists/pilot-course/check-your-inbox");
    let inbox = app.get_text(&location).await;
    assert!(inbox.contains("Check your inbox"));

    let mail = app.nth_mail(1).await;
    assert_eq!(mail.rcpt_to, vec!["ada@example.com".to_owned()]);
    assert!(
        header(&mail, "Subject")
            .unwrap()
            .contains("Confirm your place")
    );
    let link = link_in(&mail, "/confirm/");
    assert!(link.starts_with(&app.address), "{link}");
    assert_eq!(app.status_of("ada@example.com").as_deref(), Some("pending"));

    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("<button").count(), 1, "exactly one button");
    assert!(html.contains("method=\"post\""));

    let confirmed = app.client.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    let html = confirmed.text().await.unwrap();
    assert!(
        html.contains("Your place in line: <strong data-testid=\"place\">1</strong>"),
        "{html}"
    );

    let rows = app.export_rows(LIST);
    assert_eq!(
        &rows[0][..5],
        [
            "email",
            "status",
            "position",
            "signed_up_at",
            "confirmed_at"
        ]
    );
    assert_eq!(&rows[1][..3], ["ada@example.com", "confirmed", "1"]);
    assert!(!rows[1][3].is_empty() && !rows[1][4].is_empty());
}

#[tokio::test]
async fn a_json_signup_is_accepted_with_202_and_json() {
    let app = spawn_app().await;
    let response = app
        .post_signup_json(LIST, &serde_json::json!({ "email": "grace@example.com", "name": "Grace", "role": "therapist" }))
        .await;
    assert_eq!(response.status().as_u16(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "check-your-inbox");
    let mail = app.mail_to("grace@example.com").await;
    assert!(link_in(&mail, "/confirm/").contains("/confirm/"));
    let rows = app.export_rows(LIST);
    let header = &rows[0];
    let row = &rows[1];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(row[col("name")], "Grace");
    assert_eq!(row[col("role")], "therapist");
}

#[tokio::test]
async fn places_in_line_follow_the_order_of_confirmation() {
    let app = spawn_app().await;
    for email in ["one@example.com", "two@example.com", "three@example.com"] {
        app.sign_up(email).await;
        app.mail_to(email).await;
    }
    // Confirm in a different order from signup: the line follows confirmation.
    let confirm = |email: &'static str| {
        let app = &app;
        async move {
            let link = link_in(&app.mail_to(email).await, "/confirm/");
            app.client
                .post(&link)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(
        confirm("three@example.com")
            .await
            .contains("data-testid=\"place\">1<")
    );
    assert!(
        confirm("one@example.com")
            .await
            .contains("data-testid=\"place\">2<")
    );
    assert!(
        confirm("two@example.com")
            .await
            .contains("data-testid=\"place\">3<")
    );
    let rows = app.export_rows(LIST);
    let order: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("three@example.com", "1"),
            ("one@example.com", "2"),
            ("two@example.com", "3")
        ]
    );
}

#[tokio::test]
async fn a_plain_form_with_only_an_email_works() {
    let app = spawn_app().await;
    let response = app
        .post_signup_form(LIST, &[("email", "plain@example.com")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    app.mail_to("plain@example.com").await;
}

#[tokio::test]
async fn the_mail_goes_through_the_configured_smtp_server_with_both_parts() {
    let app = spawn_app().await;
    app.sign_up("parts@example.com").await;
    let mail = app.mail_to("parts@example.com").await;
    assert!(
        mail.mail_from.contains("waitlist@localhost"),
        "{}",
        mail.mail_from
    );
    let message_id = header(&mail, "Message-ID").unwrap();
    assert!(message_id.ends_with("@localhost>"), "{message_id}");
    let link = link_in(&mail, "/confirm/");
    assert!(
        html_body(&mail).contains(&link),
        "the HTML part carries the same link"
    );
}

#[tokio::test]
async fn addresses_are_stored_lower_cased_so_case_does_not_make_a_second_person() {
    let app = spawn_app().await;
    app.sign_up("Case@Example.COM").await;
    app.mail_to("case@example.com").await;
    app.sign_up("case@example.com").await;
    let rows = app.export_rows(LIST);
    assert_eq!(rows.len(), 2, "one person: {rows:?}");
}
