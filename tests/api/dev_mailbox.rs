use crate::helpers::*;

#[tokio::test]
async fn without_smtp_the_mail_lands_in_the_development_mailbox_and_its_link_works() {
    let app = spawn_app_without_smtp().await;
    app.sign_up("devbox@example.com").await;
    let mailbox = app.data_dir.join("dev-mailbox");
    let deadline = std::time::Instant::now() + MAIL_WAIT;
    let file = loop {
        let found = std::fs::read_dir(&mailbox)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(Result::ok)
            .map(|e| e.path());
        if let Some(path) = found {
            break path;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail in {}",
            mailbox.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let raw = std::fs::read_to_string(&file).unwrap();
    assert!(
        !raw.contains("devbox"),
        "the development mailbox keeps no address"
    );
    let mail = ReceivedMail {
        mail_from: String::new(),
        rcpt_to: vec![],
        data: raw,
    };
    let link = link_in(&mail, "/confirm/");
    let page = app.client.post(&link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-testid=\"place\">1<")
    );
}
