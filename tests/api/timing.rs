//! The answer's timing tells no one who is on the list (issue 9, hole 7). For each entry
//! point that takes an address, alternate requests for an address that is on the list
//! (confirmed) and one that is not, on one keep-alive connection, as the reviewer did;
//! the Mann-Whitney AUC of the two timing samples must stay within 0.5 +/- 0.03.

use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::promise::confirmed_person;

/// Pairs per entry point: the AUC's standard error under no signal is about
/// sqrt((2n+1) / (12 n^2)) = 0.0105 here, so 0.03 is close to three of them.
const PAIRS: usize = 1_500;

/// P(a > b) + P(a = b) / 2 over all pairs: 0.5 when the samples cannot be told apart.
fn auc(a: &[f64], b: &[f64]) -> f64 {
    let mut b_sorted = b.to_vec();
    b_sorted.sort_by(f64::total_cmp);
    let mut score = 0.0;
    for x in a {
        let below = b_sorted.partition_point(|y| y < x);
        let not_above = b_sorted.partition_point(|y| y <= x);
        score += below as f64 + (not_above - below) as f64 / 2.0;
    }
    score / (a.len() * b.len()) as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

async fn timed(request: reqwest::RequestBuilder) -> f64 {
    let started = Instant::now();
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let _ = response.bytes().await.unwrap();
    assert!(status < 400, "answered {status}");
    started.elapsed().as_secs_f64() * 1e6
}

/// Draws both samples with `request(address)`, alternating, and checks the AUC.
async fn indistinguishable<F>(
    what: &str,
    known: &str,
    unknown: impl Fn(usize) -> String,
    request: F,
) where
    F: Fn(&str) -> reqwest::RequestBuilder,
{
    // Warm up the connection and the caches.
    for i in 0..50 {
        timed(request(known)).await;
        timed(request(&unknown(PAIRS + i))).await;
    }
    let (mut on_list, mut not_on_list) = (Vec::new(), Vec::new());
    for i in 0..PAIRS {
        let address = unknown(i);
        if i % 2 == 0 {
            on_list.push(timed(request(known)).await);
            not_on_list.push(timed(request(&address)).await);
        } else {
            not_on_list.push(timed(request(&address)).await);
            on_list.push(timed(request(known)).await);
        }
    }
    let auc = auc(&on_list, &not_on_list);
    eprintln!(
        "{what}: {PAIRS} pairs, median on the list {:.0} us, not on it {:.0} us, AUC {auc:.3}",
        median(&on_list),
        median(&not_on_list)
    );
    assert!(
        (auc - 0.5).abs() <= 0.03,
        "{what}: the answer's time tells who is on the list (AUC {auc:.3})"
    );
}

async fn quiet_app() -> TestApp {
    spawn_app_with(|c| {
        c.rate_limit = false;
        c.confirmation_interval = 24 * 3_600_000;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_signup_answers_in_the_same_time_for_any_address() {
    let app = quiet_app().await;
    let known = "member-form@example.org";
    confirmed_person(&app, known).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let url = app.url(&format!("/waitlists/{LIST}/signups"));
    indistinguishable(
        "form signup",
        known,
        |i| format!("new-form-{i}@example.org"),
        |email| {
            client.post(&url).form(&[
                ("email", email),
                ("form", "report:ketamine-rapid-antidepressant"),
            ])
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_signup_answers_in_the_same_time_for_any_address() {
    let app = quiet_app().await;
    let known = "member-json@example.org";
    confirmed_person(&app, known).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let url = app.url(&format!("/waitlists/{LIST}/signups"));
    indistinguishable(
        "JSON signup",
        known,
        |i| format!("new-json-{i}@example.org"),
        |email| {
            client
                .post(&url)
                .json(&serde_json::json!({ "email": email }))
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manage_link_request_answers_in_the_same_time_for_any_address() {
    let app = quiet_app().await;
    let known = "member-manage@example.org";
    confirmed_person(&app, known).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let url = app.url("/manage");
    indistinguishable(
        "manage-link request",
        known,
        |i| format!("stranger-{i}@example.org"),
        |email| client.post(&url).form(&[("email", email)]),
    )
    .await;
    let _ = Duration::ZERO;
}
