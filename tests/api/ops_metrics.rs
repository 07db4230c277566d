//! Prometheus metrics on their own listener, scraped from the real binary after a
//! signup and its confirmation.

use std::time::Duration;

use crate::helpers::*;
use crate::ops_support::{Scrape, ServedNode};
use crate::smtp_sink::SmtpSink;

async fn scrape_until(node: &ServedNode, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        let scrape = node.scrape().await;
        if done(&scrape) {
            return scrape;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} never showed in the metrics:\n{}",
            scrape.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signup_and_its_confirmation_move_the_counters_by_one_on_the_metrics_port_only() {
    if skip_on_postgres("the SQLite writer's metrics; the rest is backend-neutral") {
        return;
    }
    let smtp = SmtpSink::start().await;
    let data = tempfile::tempdir().unwrap();
    let smtp_url = smtp.url();
    let node = ServedNode::start(
        data.path(),
        &[
            ("QUIETLIST_SMTP_URL", smtp_url.as_str()),
            ("QUIETLIST_METRICS_LISTEN", "127.0.0.1:0"),
        ],
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let public_metrics = client
        .get(format!("{}/metrics", node.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        public_metrics.status().as_u16(),
        404,
        "/metrics must never be served on the public port"
    );
    let before = node.scrape().await;

    let signup = client
        .post(format!("{}/waitlists/{LIST}/signups", node.base_url))
        .form(&[("email", "metrics-person@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status().as_u16(), 303);
    let mails = smtp.wait_for(1, MAIL_WAIT).await;
    assert_eq!(mails.len(), 1, "no confirmation mail");
    let link = link_in(&mails[0], "/confirm/");
    let confirmed = client.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    let token = link.rsplit('/').next().unwrap().to_owned();

    let confirmation_sent = [("kind", "confirmation"), ("outcome", "sent")];
    let after = scrape_until(&node, "the confirmation mail's delivery", |s| {
        s.value("quietlist_mail_deliveries_total", &confirmation_sent) >= 1.0
    })
    .await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let signups_route = [
        ("method", "POST"),
        ("route", "/waitlists/{list}/signups"),
        ("status", "303"),
    ];
    assert_eq!(moved("quietlist_http_requests_total", &signups_route), 1.0);
    let confirm_route = [
        ("method", "POST"),
        ("route", "/confirm/{token}"),
        ("status", "200"),
    ];
    assert_eq!(moved("quietlist_http_requests_total", &confirm_route), 1.0);
    assert_eq!(
        moved(
            "quietlist_http_request_duration_seconds_count",
            &[("method", "POST"), ("route", "/confirm/{token}")]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "quietlist_signups_total",
            &[("list", LIST), ("outcome", "accepted")]
        ),
        1.0
    );
    assert_eq!(moved("quietlist_signups_total", &[]), 1.0);

    // The same address again, now confirmed: the metrics must not tell a scraper that it
    // was already on the list (the form's answer does not).
    let again = client
        .post(format!("{}/waitlists/{LIST}/signups", node.base_url))
        .form(&[("email", "metrics-person@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 303);
    let later = scrape_until(&node, "the second signup", |s| {
        s.value("quietlist_signups_total", &[]) >= after.value("quietlist_signups_total", &[]) + 1.0
    })
    .await;
    assert_eq!(
        later.value("quietlist_signups_total", &[("outcome", "accepted")])
            - after.value("quietlist_signups_total", &[("outcome", "accepted")]),
        1.0,
        "a known address's signup is counted apart from a new one's:\n{}",
        later.text
    );
    assert_eq!(
        moved("quietlist_confirmations_total", &[("list", LIST)]),
        1.0
    );
    assert_eq!(
        moved("quietlist_mail_deliveries_total", &confirmation_sent),
        1.0
    );
    assert_eq!(
        moved("quietlist_mail_deliveries_total", &[("outcome", "retry")]),
        0.0
    );
    assert!(
        moved("quietlist_db_writer_batch_size_count", &[]) >= 2.0,
        "the signup and the confirmation are two writes"
    );
    assert!(after.has("quietlist_db_writer_queue_depth"));
    assert!(after.has("quietlist_outbox_depth"));
    assert_eq!(after.value("quietlist_db_errors_total", &[]), 0.0);

    // Route templates only: no token, no address, no raw path in any label.
    assert!(!after.text.contains(&token), "a link token in the metrics");
    assert!(
        !after.text.contains("example.com"),
        "an address in the metrics"
    );
    for sample in &after.samples {
        if let Some(route) = sample.labels.get("route") {
            assert!(
                route == "unmatched" || route.starts_with('/'),
                "odd route label {route:?}"
            );
            assert!(!route.contains("pilot-course"), "a raw path: {route}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_path_is_counted_under_one_label_whatever_it_is() {
    let data = tempfile::tempdir().unwrap();
    let node = ServedNode::start(data.path(), &[("QUIETLIST_METRICS_LISTEN", "127.0.0.1:0")]);
    for path in ["/no-such-page-1", "/confirm", "/a/b/c/secret-looking-token"] {
        let response = reqwest::get(format!("{}{path}", node.base_url))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404);
    }
    let scrape = node.scrape().await;
    assert_eq!(
        scrape.value(
            "quietlist_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        3.0
    );
    assert!(!scrape.text.contains("secret-looking-token"));
}

#[test]
fn without_a_metrics_address_nothing_listens_for_metrics() {
    let data = tempfile::tempdir().unwrap();
    let node = ServedNode::start(data.path(), &[]);
    assert!(node.metrics_url.is_none());
}

#[test]
fn the_metrics_address_cannot_be_the_public_one() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let output = quietlist_command_on(data.path())
        .args(["serve", "--listen", &address, "--metrics-listen", &address])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("QUIETLIST_METRICS_LISTEN"), "{stderr}");
}
