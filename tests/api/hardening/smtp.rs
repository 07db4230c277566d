//! A password in an `smtp://` URL without TLS would cross the network in clear.

use super::{Start, serve};

#[test]
fn an_smtp_url_with_a_password_and_no_tls_refuses_to_start_and_names_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = (
        "QUIETLIST_SMTP_URL",
        "smtp://user:secret-pass@127.0.0.1:2525",
    );
    match serve(&data, &[url]) {
        Start::Refused { code, stderr } => {
            assert_ne!(code, Some(0));
            assert!(stderr.contains("tls=none"), "it printed:\n{stderr}");
            assert!(stderr.contains("tls=required"), "it printed:\n{stderr}");
            assert!(
                !stderr.contains("secret-pass"),
                "the password is not printed"
            );
        }
        Start::Served => panic!("quietlist started with a password to be sent in clear"),
    }
    // Saying so explicitly is the owner's choice (a relay on the same machine).
    let explicit = (
        "QUIETLIST_SMTP_URL",
        "smtp://user:secret-pass@127.0.0.1:2525?tls=none",
    );
    assert!(matches!(serve(&data, &[explicit]), Start::Served));
}

/// An SMTP server that offers AUTH but no STARTTLS, and records every command line.
async fn auth_without_starttls_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 plain.test ESMTP\r\n").await;
                let mut line = String::new();
                let mut in_data = false;
                while lines.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let command = line.trim_end().to_owned();
                    line.clear();
                    if in_data {
                        if command == "." {
                            in_data = false;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        }
                        continue;
                    }
                    record.lock().unwrap().push(command.clone());
                    let upper = command.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-plain.test\r\n250 AUTH PLAIN LOGIN\r\n"
                    } else if upper.starts_with("AUTH") {
                        b"235 2.7.0 accepted\r\n"
                    } else if upper == "DATA" {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if upper == "QUIT" {
                        b"221 bye\r\n"
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = write.write_all(answer).await;
                }
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn opportunistic_tls_never_sends_the_password_to_a_server_without_starttls() {
    let (port, seen) = auth_without_starttls_server().await;
    let url = format!("smtp://user:secret-pass@127.0.0.1:{port}?tls=opportunistic");
    let app = crate::helpers::spawn_app_with(|c| {
        c.smtp_url = Some(secrecy::SecretString::from(url));
    })
    .await;
    app.sign_up("someone@example.org").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !seen.lock().unwrap().iter().any(|c| c.starts_with("EHLO")) {
        assert!(
            std::time::Instant::now() < deadline,
            "quietlist never connected"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Give a client that would go on to AUTH the time to do so.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let commands = seen.lock().unwrap().clone();
    assert!(
        !commands
            .iter()
            .any(|c| c.to_ascii_uppercase().starts_with("AUTH")),
        "the password was sent without TLS: {commands:?}"
    );
}
