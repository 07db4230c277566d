use crate::helpers::*;

#[tokio::test]
async fn opening_the_link_changes_nothing_until_the_button_is_pressed() {
    let app = spawn_app().await;
    app.sign_up("scanner@example.com").await;
    let link = link_in(&app.mail_to("scanner@example.com").await, "/confirm/");
    // A mail scanner follows the link a few times.
    for _ in 0..3 {
        assert_eq!(
            app.client
                .get(&link)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
        assert_eq!(
            app.client
                .head(&link)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
    assert_eq!(
        app.status_of("scanner@example.com").as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn confirming_twice_is_harmless() {
    let app = spawn_app().await;
    app.sign_up("twice@example.com").await;
    let link = link_in(&app.mail_to("twice@example.com").await, "/confirm/");
    let first = app.client.post(&link).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let second = app.client.post(&link).send().await.unwrap();
    assert_eq!(second.status().as_u16(), 200);
    let html = second.text().await.unwrap();
    assert!(html.contains("already confirmed"), "{html}");
    assert!(html.contains("data-testid=\"place\">1<"));
    // The GET after confirming shows the place too, without a button.
    let page = app
        .client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"place\">1<"));
    let rows = app.export_rows(LIST);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], "confirmed");
}

#[tokio::test]
async fn an_expired_link_gets_a_clear_410_page_and_confirms_nothing() {
    let app = spawn_app_with(|c| c.confirm_link_ttl = 1).await;
    app.sign_up("late@example.com").await;
    let link = link_in(&app.mail_to("late@example.com").await, "/confirm/");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 410);
    assert!(page.text().await.unwrap().contains("This link has expired"));
    let post = app.client.post(&link).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 410);
    assert_eq!(
        app.status_of("late@example.com").as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn unknown_and_malformed_links_get_a_clear_404_page() {
    let app = spawn_app().await;
    let unknown = format!("/confirm/{}", "A".repeat(43));
    for path in [unknown.as_str(), "/confirm/short", "/confirm/..%2f..%2fetc"] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let response = app
                .client
                .request(method.clone(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 404, "{method} {path}");
            assert!(
                response
                    .text()
                    .await
                    .unwrap()
                    .contains("This link is not valid")
            );
        }
    }
    // Bytes that are not UTF-8 cannot be a token: a clear 400 page.
    let response = app.get("/confirm/%00%ff").await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn link_pages_are_not_cached_and_send_no_referrer() {
    let app = spawn_app().await;
    app.sign_up("private@example.com").await;
    let link = link_in(&app.mail_to("private@example.com").await, "/confirm/");
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
}
