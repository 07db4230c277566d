//! Webhooks end to end: a real receiver on loopback (tokio + hyper) that checks each
//! signature with an independent implementation (python3's hmac), webhooks added through
//! the real binary and the admin, people confirming by the link in their mail.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::helpers::*;
use crate::owner::{add_owner, hidden, signed_in};

/// What the receiver got: the signature header and the exact body.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A loopback HTTP receiver that answers each request with the next scripted status
/// (200 once the script is used up) and keeps every request.
struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, script)
    }

    fn start_on(listener: TcpListener, script: &[u16]) -> Self {
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (got2, script2) = (got.clone(), script.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (got, script) = (got2.clone(), script2.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let (got, script) = (got.clone(), script.clone());
                        async move {
                            let signature = request
                                .headers()
                                .get("quietlist-signature")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned();
                            let body = request.into_body().collect().await?.to_bytes();
                            got.lock().unwrap().push(Received {
                                signature,
                                body: String::from_utf8_lossy(&body).into_owned(),
                            });
                            let status = script.lock().unwrap().pop_front().unwrap_or(200);
                            Ok::<_, hyper::Error>(
                                Response::builder()
                                    .status(status)
                                    .body(Full::new(Bytes::from_static(b"ok")))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, got, task }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/quietlist", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests have come.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} webhook requests, got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The app, with a short first retry so that backoff fits in a test.
async fn app() -> TestApp {
    spawn_app_with(|config| config.webhook_retry_base = 100).await
}

fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = quietlist_command_on(&app.data_dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `quietlist webhook add URL --events EVENTS [extra]`; the signing secret it printed.
fn add_webhook(app: &TestApp, url: &str, events: &str, extra: &[&str]) -> String {
    let mut args = vec!["webhook", "add", url, "--events", events];
    args.extend_from_slice(extra);
    let (ok, out) = cli(app, &args);
    assert!(ok, "{out}");
    secret_in(&out)
}

fn secret_in(text: &str) -> String {
    let start = text
        .find("whsec_")
        .unwrap_or_else(|| panic!("no secret in {text}"));
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Checks `Quietlist-Signature: t=..,v1=..` with python3's hmac, not our code, and that
/// the time is now.
fn assert_signed(received: &Received, secret: &str) {
    let (t, v1) = received
        .signature
        .split_once(',')
        .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("a malformed signature: {:?}", received.signature));
    let mut python = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; \
             print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode() + b'.' + sys.stdin.buffer.read(), hashlib.sha256).hexdigest())",
            secret,
            t,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    python
        .stdin
        .take()
        .unwrap()
        .write_all(received.body.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    assert_eq!(v1, expected.trim(), "the signature verifies independently");
    let t: i64 = t.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - t).abs() < 120, "signed now (t={t}, now={now})");
}

fn audit_log(app: &TestApp) -> Vec<serde_json::Value> {
    let (ok, out) = cli(app, &["audit", "--json"]);
    assert!(ok, "{out}");
    out.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn a_confirmation_reaches_the_webhook_signed_and_without_the_address() {
    let app = app().await;
    let receiver = Receiver::start(&[]).await;
    let secret = add_webhook(&app, &receiver.url(), "subscriber.confirmed", &[]);
    assert!(
        secret.len() >= "whsec_".len() + 22,
        "at least 128 bits: {secret}"
    );
    let other = add_webhook(&app, &receiver.url(), "subscriber.erased", &[]);
    assert_ne!(secret, other);

    let email = "webhook-plain@example.com";
    app.sign_up_and_confirm(email).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_signed(&got[0], &secret);
    let body = got[0].json();
    assert_eq!(body["event"], "subscriber.confirmed");
    assert_eq!(body["data"]["list"], LIST);
    assert!(body["data"]["subscriber_id"].as_i64().unwrap() > 0);
    assert!(body["id"].as_str().unwrap().starts_with("whd_"));
    assert!(!got[0].body.contains(email), "no address: {}", got[0].body);
    assert!(!got[0].body.contains("example.com"), "{}", got[0].body);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "the erased-only webhook got nothing"
    );
    assert!(
        audit_log(&app)
            .iter()
            .all(|e| e["action"] != "webhook-email"),
        "nothing to audit: no address left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_include_email_the_payload_carries_the_address_and_each_delivery_is_audited() {
    let app = app().await;
    let receiver = Receiver::start(&[]).await;
    let secret = add_webhook(
        &app,
        &receiver.url(),
        "subscriber.confirmed,subscriber.unsubscribed",
        &["--include-email"],
    );
    let email = "webhook-with-email@example.com";
    app.sign_up_and_confirm(email).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_signed(&got[0], &secret);
    let body = got[0].json();
    assert_eq!(body["data"]["email"], email);
    let subscriber_id = body["data"]["subscriber_id"].as_i64().unwrap();

    let log = audit_log(&app);
    let added = log.iter().find(|e| e["action"] == "webhook").unwrap();
    assert!(
        added["detail"]
            .as_str()
            .unwrap()
            .contains("INCLUDING people's addresses"),
        "{added}"
    );
    let sent: Vec<_> = log
        .iter()
        .filter(|e| e["action"] == "webhook-email")
        .collect();
    assert_eq!(sent.len(), 1, "{log:?}");
    assert_eq!(sent[0]["subject"], format!("subscriber:{subscriber_id}"));
    assert!(
        sent[0]["detail"].as_str().unwrap().contains("HTTP 200"),
        "{}",
        sent[0]
    );
    assert!(
        !sent[0].to_string().contains(email),
        "the log names the person by id"
    );
    let (ok, list) = cli(&app, &["webhook", "list"]);
    assert!(ok && list.contains("WITH addresses"), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_fails_twice_gets_the_delivery_on_the_third_attempt() {
    let app = app().await;
    let receiver = Receiver::start(&[500, 503]).await;
    let secret = add_webhook(&app, &receiver.url(), "subscriber.confirmed", &[]);
    app.sign_up_and_confirm("webhook-retry@example.com").await;
    let got = receiver.wait_for(3, WAIT).await;
    for attempt in &got {
        assert_signed(attempt, &secret);
    }
    let ids: Vec<_> = got.iter().map(|r| r.json()["id"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one delivery: {ids:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 3, "no attempt after the 2xx");
    let (ok, log) = cli(&app, &["webhook", "deliveries", "1"]);
    assert!(ok, "{log}");
    assert!(
        log.contains("delivered") && log.contains("attempts 3") && log.contains("HTTP 200"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_is_down_gets_the_delivery_once_it_is_up() {
    let app = app().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/hooks/quietlist");
    let secret = add_webhook(&app, &url, "subscriber.confirmed", &[]);
    app.sign_up_and_confirm("webhook-down@example.com").await;
    // Refused at least once...
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, log) = cli(&app, &["webhook", "deliveries", "1"]);
        if log.contains("could not connect") {
            assert!(!log.contains("delivered"), "{log}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // ...then the receiver comes up on the same port.
    let receiver = Receiver::start_on(TcpListener::bind(addr).await.unwrap(), &[]);
    let got = receiver.wait_for(1, WAIT).await;
    assert_signed(&got[0], &secret);
    assert_eq!(got[0].json()["event"], "subscriber.confirmed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erased_person_s_queued_delivery_goes_out_without_their_address() {
    let app = app().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/hooks/quietlist");
    add_webhook(
        &app,
        &url,
        "subscriber.confirmed,subscriber.erased",
        &["--include-email"],
    );
    let email = "webhook-erased@example.com";
    app.sign_up_and_confirm(email).await;
    let welcome = mail_with_subject(&app, email, "You are on the waitlist").await;
    let manage = link_in(&welcome, "/manage/");
    erase_through(&app, &manage).await;
    let receiver = Receiver::start_on(TcpListener::bind(addr).await.unwrap(), &[]);
    let got = receiver.wait_for(2, WAIT).await;
    let events: Vec<_> = got.iter().map(|r| r.json()["event"].clone()).collect();
    assert!(
        events.contains(&"subscriber.confirmed".into()),
        "{events:?}"
    );
    assert!(events.contains(&"subscriber.erased".into()), "{events:?}");
    for r in &got {
        assert!(!r.body.contains(email), "erase means erase: {}", r.body);
        assert!(r.json()["data"].get("email").is_none(), "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_adds_a_webhook_in_the_admin_sees_its_log_and_replays_a_delivery() {
    let app = app().await;
    add_owner(&app);
    let (browser, csrf) = signed_in(&app).await;
    let receiver = Receiver::start(&[]).await;

    let refused = browser
        .post(app.url("/admin/webhooks"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", "http://example.com/hook"),
            ("event_0", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("data-testid=\"url-error\""), "{page}");

    let no_csrf = browser
        .post(app.url("/admin/webhooks"))
        .form(&[("url", receiver.url().as_str()), ("event_0", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403);

    let added = browser
        .post(app.url("/admin/webhooks"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", receiver.url().as_str()),
            ("event_0", "on"),
            ("include_email", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status().as_u16(), 200);
    let page = added.text().await.unwrap();
    let secret = secret_in(&page);
    assert!(page.contains("Includes people’s addresses"), "{page}");
    let listed = browser
        .get(app.url("/admin/webhooks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret), "the secret is shown once");

    let email = "webhook-admin@example.com";
    app.sign_up_and_confirm(email).await;
    let first = receiver.wait_for(1, WAIT).await;
    assert_signed(&first[0], &secret);

    let log_page = browser
        .get(app.url("/admin/webhooks/1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log_page.contains("subscriber.confirmed"), "{log_page}");
    assert!(
        log_page.contains("data-testid=\"delivery-state\">delivered<"),
        "{log_page}"
    );
    let delivery = log_page
        .split("data-testid=\"delivery\" data-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let page_csrf = hidden(&log_page, "csrf");
    let replay_url = app.url(&format!("/admin/webhooks/1/deliveries/{delivery}/replay"));
    let forged = browser
        .post(&replay_url)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let replayed = browser
        .post(&replay_url)
        .form(&[("csrf", page_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status().as_u16(), 303);
    let both = receiver.wait_for(2, WAIT).await;
    assert_signed(&both[1], &secret);
    assert_eq!(
        both[0].json()["id"],
        both[1].json()["id"],
        "the same delivery"
    );
    let log = audit_log(&app);
    assert!(
        log.iter().any(|e| e["action"] == "webhook"
            && e["detail"]
                .as_str()
                .unwrap()
                .contains("queued again (replay)")),
        "{log:?}"
    );
    assert_eq!(
        log.iter()
            .filter(|e| e["action"] == "webhook-email")
            .count(),
        2,
        "each delivery with an address is audited"
    );
    let missing = browser
        .post(app.url("/admin/webhooks/1/deliveries/999999/replay"))
        .form(&[("csrf", page_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_another_host_and_credentials_in_the_url_are_refused() {
    let app = app().await;
    let (ok, out) = cli(
        &app,
        &[
            "webhook",
            "add",
            "http://example.com/hook",
            "--events",
            "subscriber.confirmed",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("url:") && out.contains("--insecure"), "{out}");
    let (ok, out) = cli(
        &app,
        &[
            "webhook",
            "add",
            "https://user:pw@example.com/hook",
            "--events",
            "subscriber.confirmed",
        ],
    );
    assert!(!ok && out.contains("password"), "{out}");
    let (ok, out) = cli(
        &app,
        &[
            "webhook",
            "add",
            "https://example.com/hook",
            "--events",
            "subscriber.created",
        ],
    );
    assert!(!ok && out.contains("events:"), "{out}");
    let (ok, out) = cli(&app, &["webhook", "list"]);
    assert!(ok && out.contains("no webhooks"), "{out}");
    add_webhook(
        &app,
        "http://example.com/hook",
        "subscriber.confirmed",
        &["--insecure"],
    );
    let (ok, out) = cli(&app, &["webhook", "remove", "1"]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&app, &["webhook", "remove", "1"]);
    assert!(!ok, "{out}");
}
