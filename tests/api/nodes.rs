//! Two quietlist nodes on one PostgreSQL, each host in its own network namespace (see
//! `netns.rs`), under load from the root namespace: links, sessions and the limits that
//! protect a person hold across nodes; a node killed mid-load loses nothing it
//! acknowledged; a node cut off from the database answers 503 in bounded time and comes
//! back by itself. Each test prints its figures (`FIGURES ...`) for the report.
//!
//! Rust rather than a shell script: the same SMTP sink, HTTP client and Drop guards as
//! every other test, and the test command runs it with the rest (skipped with a notice
//! where namespaces or PostgreSQL are unavailable, unless `QUIETLIST_REQUIRE_NETNS=1`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::helpers::{LIST, ReceivedMail, link_in};
use crate::netns::{Cluster, skip};

/// One cluster at a time: three PostgreSQL servers and six nodes at once would measure
/// the machine, not quietlist.
static ONE_CLUSTER: Mutex<()> = Mutex::const_new(());

/// What the nodes run with beyond the shared settings: a short request timeout (the
/// bound a cut-off node must answer within), and a short mail lease so that a killed
/// node's claimed mail goes out within the test. The lease stays above the store's
/// operation timeout (8 s): a shorter one lets a slow but live node's mail go twice (seen
/// with 5 s: 62 duplicates in one run of the cut-off test on a loaded machine).
const REQUEST_TIMEOUT_S: u64 = 10;
const NODE_ENV: &[(&str, &str)] = &[
    ("QUIETLIST_REQUEST_TIMEOUT_SECONDS", "10"),
    ("QUIETLIST_MAIL_LEASE_SECONDS", "15"),
];

#[derive(Debug, Clone)]
struct Answer {
    email: String,
    node: usize,
    /// 0: no answer (connection refused or reset).
    status: u16,
    took: Duration,
}

impl Answer {
    fn acknowledged(&self) -> bool {
        (200..400).contains(&self.status)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn sign_up(client: &reqwest::Client, cluster: &Cluster, node: usize, email: &str) -> Answer {
    let started = Instant::now();
    let status = client
        .post(cluster.nodes[node].url(&format!("/waitlists/{LIST}/signups")))
        .form(&[
            ("email", email),
            ("form", "report:ketamine-rapid-antidepressant"),
        ])
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    Answer {
        email: email.to_owned(),
        node,
        status,
        took: started.elapsed(),
    }
}

/// Signs up `emails` through the nodes in turn (`nodes` of them), `parallel` at a time;
/// `during` runs once `trigger_after` answers have arrived.
async fn load<F>(
    cluster: &Arc<Cluster>,
    emails: Vec<String>,
    nodes: usize,
    parallel: usize,
    trigger_after: usize,
    during: F,
) -> Vec<Answer>
where
    F: FnOnce() + Send + 'static,
{
    let answers = Arc::new(std::sync::Mutex::new(Vec::new()));
    let during = Arc::new(std::sync::Mutex::new(Some(during)));
    let queue = Arc::new(std::sync::Mutex::new(
        emails.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..parallel {
        let (cluster, answers, during, queue) = (
            cluster.clone(),
            answers.clone(),
            during.clone(),
            queue.clone(),
        );
        workers.spawn(async move {
            let client = client();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some((i, email)) = next else { break };
                let answer = sign_up(&client, &cluster, i % nodes, &email).await;
                let count = {
                    let mut answers = answers.lock().unwrap();
                    answers.push(answer);
                    answers.len()
                };
                if count >= trigger_after
                    && let Some(f) = during.lock().unwrap().take()
                {
                    f();
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    std::mem::take(&mut *answers.lock().unwrap())
}

fn emails(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}@example.com")).collect()
}

/// Addresses in the list's export, read on node `node`'s host.
fn exported(cluster: &Cluster, node: usize) -> HashSet<String> {
    let out = cluster.quietlist_on(node, &["export", LIST]);
    assert!(
        out.status.success(),
        "export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_owned))
        .collect()
}

fn mails_by_recipient(mails: &[ReceivedMail]) -> BTreeMap<String, usize> {
    let mut by = BTreeMap::new();
    for mail in mails {
        for to in &mail.rcpt_to {
            *by.entry(to.trim_matches(['<', '>']).to_owned())
                .or_insert(0) += 1;
        }
    }
    by
}

/// Waits until every address in `expected` has a mail (or `limit` passed), then a little
/// longer for duplicates; mails per address.
async fn settle_mail(
    cluster: &Cluster,
    expected: &HashSet<String>,
    limit: Duration,
) -> BTreeMap<String, usize> {
    let deadline = Instant::now() + limit;
    loop {
        let by = mails_by_recipient(&cluster.smtp.mails());
        if expected.iter().all(|e| by.contains_key(e)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A mail claimed twice would arrive within a lease.
    tokio::time::sleep(Duration::from_secs(16)).await;
    mails_by_recipient(&cluster.smtp.mails())
}

/// Mails claimed by a node and not yet reported sent or failed (the ones a node that
/// dies or is cut off now may have handed to SMTP: at most these may go twice).
fn claimed_not_reported(cluster: &Cluster) -> usize {
    cluster
        .sql("SELECT COUNT(*) FROM outbox WHERE state = 'sending'")
        .parse()
        .unwrap_or(0)
}

fn count_status(answers: &[Answer], node: usize) -> BTreeMap<u16, usize> {
    let mut by = BTreeMap::new();
    for a in answers.iter().filter(|a| a.node == node) {
        *by.entry(a.status).or_insert(0) += 1;
    }
    by
}

async fn start(test: &str) -> Option<(tokio::sync::MutexGuard<'static, ()>, Arc<Cluster>)> {
    if skip(test) {
        return None;
    }
    let guard = ONE_CLUSTER.lock().await;
    let started = Instant::now();
    let cluster = Arc::new(Cluster::start(2, NODE_ENV).await);
    eprintln!("FIGURES {test}: cluster up in {:?}", started.elapsed());
    Some((guard, cluster))
}

fn cookie_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name} in:\n{html}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_share_links_sessions_and_the_mail_limits() {
    let test = "two_nodes_share_links_sessions_and_limits";
    let Some((_guard, cluster)) = start(test).await else {
        return;
    };
    let http = client();

    // A link minted on node A works on node B.
    let answer = sign_up(&http, &cluster, 0, "crossing@example.com").await;
    assert!(answer.acknowledged(), "{answer:?}");
    let mail = cluster
        .smtp
        .wait_for(1, Duration::from_secs(20))
        .await
        .into_iter()
        .next()
        .expect("a confirmation mail");
    let link = link_in(&mail, "/confirm/");
    assert!(link.starts_with(&cluster.nodes[0].base_url), "{link}");
    let on_b = link.replace(&cluster.nodes[0].base_url, &cluster.nodes[1].base_url);
    let confirmed = http.post(&on_b).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200, "node A's link on node B");

    // A session made on node A is good on node B.
    let password = "a long owner passphrase";
    let added = cluster.quietlist_on_with_stdin(
        0,
        &["admin", "add", "owner@example.org", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let form = http
        .get(cluster.nodes[0].url("/admin/login"))
        .send()
        .await
        .unwrap();
    let form_cookie = cookie_of(&form);
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    let login = http
        .post(cluster.nodes[0].url("/admin/login"))
        .header("cookie", &form_cookie)
        .form(&[
            ("email", "owner@example.org"),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303, "sign-in on node A");
    let session = cookie_of(&login);
    let dashboard = http
        .get(cluster.nodes[1].url("/admin"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        dashboard.status().as_u16(),
        200,
        "node A's session on node B"
    );

    // The same address on both nodes at once, twenty times over: one confirmation each.
    let twins = emails("twin", 20);
    let mut both = Vec::new();
    for email in &twins {
        both.push(email.clone());
        both.push(email.clone());
    }
    let started = Instant::now();
    let answers = load(&cluster, both, 2, 16, usize::MAX, || {}).await;
    let twin_time = started.elapsed();
    assert!(answers.iter().all(Answer::acknowledged), "{answers:?}");
    // Then a hundred people through both nodes.
    let crowd = emails("crowd", 100);
    let started = Instant::now();
    let answers = load(&cluster, crowd.clone(), 2, 16, usize::MAX, || {}).await;
    let crowd_time = started.elapsed();
    assert!(answers.iter().all(Answer::acknowledged), "{answers:?}");

    let expected: HashSet<String> = twins.iter().chain(&crowd).cloned().collect();
    let by = settle_mail(&cluster, &expected, Duration::from_secs(60)).await;
    let twin_mails: Vec<usize> = twins
        .iter()
        .map(|e| by.get(e).copied().unwrap_or(0))
        .collect();
    let crowd_dupes = crowd
        .iter()
        .filter(|e| by.get(*e).copied().unwrap_or(0) > 1)
        .count();
    let in_db = exported(&cluster, 1);
    eprintln!(
        "FIGURES {test}: link from A confirmed on B; A's session opened B's dashboard; \
         40 same-address signups (20 addresses x 2 nodes) in {twin_time:?} -> confirmation \
         mails per address {:?}; 100 signups over 2 nodes in {crowd_time:?}: 100 acknowledged, \
         {} in the export, {} mails, {crowd_dupes} duplicates",
        twin_mails.iter().fold(BTreeMap::new(), |mut m, n| {
            *m.entry(*n).or_insert(0) += 1;
            m
        }),
        crowd.iter().filter(|e| in_db.contains(*e)).count(),
        crowd
            .iter()
            .map(|e| by.get(e).copied().unwrap_or(0))
            .sum::<usize>(),
    );
    assert!(twin_mails.iter().all(|n| *n == 1), "{twin_mails:?}");
    assert_eq!(crowd_dupes, 0);
    assert!(
        crowd
            .iter()
            .all(|e| in_db.contains(e) && by.get(e) == Some(&1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_load_loses_no_acknowledged_signup_and_no_mail() {
    let test = "node_killed_mid_load";
    let Some((_guard, cluster)) = start(test).await else {
        return;
    };
    let people = emails("load", 300);
    let in_flight_at_kill = Arc::new(std::sync::Mutex::new(None));
    let (victim, in_flight) = (cluster.clone(), in_flight_at_kill.clone());
    let answers = load(&cluster, people.clone(), 2, 16, 100, move || {
        // SIGKILL node B (a power cut for the node; the database stays up).
        victim.nodes[1].kill_9();
        *in_flight.lock().unwrap() = Some(claimed_not_reported(&victim));
    })
    .await;
    let in_flight = in_flight_at_kill.lock().unwrap().unwrap_or(0);
    let acknowledged: HashSet<String> = answers
        .iter()
        .filter(|a| a.acknowledged())
        .map(|a| a.email.clone())
        .collect();
    let in_db = exported(&cluster, 0);
    let lost: Vec<_> = acknowledged.difference(&in_db).collect();
    let by = settle_mail(&cluster, &acknowledged, Duration::from_secs(60)).await;
    let without_mail = acknowledged.iter().filter(|e| !by.contains_key(*e)).count();
    let duplicates = acknowledged
        .iter()
        .filter(|e| by.get(*e).copied().unwrap_or(0) > 1)
        .count();
    let a_codes = count_status(&answers, 0);
    eprintln!(
        "FIGURES {test}: 300 signups over 2 nodes, node B killed (-9) after 100 answers; \
         acknowledged {}, found in the export {} (lost {}), mails sent {}, people without mail \
         {without_mail}, duplicates {duplicates} (claimed and not reported when B died, by \
         either node: {in_flight}); \
         node A answers {a_codes:?}, node B answers {:?}",
        acknowledged.len(),
        acknowledged.intersection(&in_db).count(),
        lost.len(),
        by.values().sum::<usize>(),
        count_status(&answers, 1),
    );
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    assert_eq!(without_mail, 0, "acknowledged without a confirmation mail");
    assert!(
        duplicates <= in_flight,
        "only mail in flight when the node died may go twice"
    );
    assert!(
        a_codes.keys().all(|s| (200..400).contains(s)),
        "node A went on serving: {a_codes:?}"
    );
    let ready = client()
        .get(cluster.nodes[0].url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_the_database_answers_503_in_bounded_time_and_recovers_by_itself() {
    let test = "node_cut_off_from_the_database";
    let Some((_guard, cluster)) = start(test).await else {
        return;
    };
    let http = client();
    // Load through both nodes before, during and after the cut.
    let before = load(&cluster, emails("before", 60), 2, 8, usize::MAX, || {}).await;
    cluster.set_database_link(0, false);
    let cut_at = Instant::now();
    let in_flight = claimed_not_reported(&cluster);
    let mut readyz = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let status = http
            .get(cluster.nodes[0].url("/readyz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        readyz.push((status, started.elapsed()));
    }
    let during = load(&cluster, emails("during", 40), 2, 8, usize::MAX, || {}).await;
    cluster.set_database_link(0, true);
    let mended_at = Instant::now();
    let in_flight = in_flight + claimed_not_reported(&cluster);
    let recovered = loop {
        let ok = http
            .get(cluster.nodes[0].url("/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            break Some(mended_at.elapsed());
        }
        if mended_at.elapsed() > Duration::from_secs(60) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let after = load(&cluster, emails("after", 60), 2, 8, usize::MAX, || {}).await;

    let all: Vec<&Answer> = before.iter().chain(&during).chain(&after).collect();
    let acknowledged: HashSet<String> = all
        .iter()
        .filter(|a| a.acknowledged())
        .map(|a| a.email.clone())
        .collect();
    let in_db = exported(&cluster, 1);
    let lost: Vec<_> = acknowledged.difference(&in_db).collect();
    let by = settle_mail(&cluster, &acknowledged, Duration::from_secs(60)).await;
    let without_mail = acknowledged.iter().filter(|e| !by.contains_key(*e)).count();
    let duplicates = by.values().filter(|n| **n > 1).count();
    let cut_answers: Vec<&Answer> = during.iter().filter(|a| a.node == 0).collect();
    let slowest = cut_answers.iter().map(|a| a.took).max().unwrap_or_default();
    eprintln!(
        "FIGURES {test}: node A cut off for {:?}; its /readyz answered {readyz:?}; its \
         signups during the cut answered {:?} (slowest {slowest:?}; request timeout \
         {REQUEST_TIMEOUT_S} s); node B during the cut {:?}; node A ready again {:?} after the \
         link came back, then answered {:?}; acknowledged {}, found in the export {} (lost \
         {}), mails {}, people without mail {without_mail}, duplicates {duplicates} (claimed and not reported at \
         the cut and at the mend: {in_flight})",
        mended_at - cut_at,
        count_status(&during, 0),
        count_status(&during, 1),
        recovered,
        count_status(&after, 0),
        acknowledged.len(),
        acknowledged.intersection(&in_db).count(),
        lost.len(),
        by.values().sum::<usize>(),
    );
    assert!(
        readyz
            .iter()
            .all(|(s, t)| *s == 503 && *t < Duration::from_secs(REQUEST_TIMEOUT_S)),
        "{readyz:?}"
    );
    assert!(
        cut_answers.iter().all(|a| a.status == 503),
        "a cut-off node answers 503, not 500 nor silence: {:?}",
        count_status(&during, 0)
    );
    assert!(
        slowest < Duration::from_secs(REQUEST_TIMEOUT_S + 2),
        "{slowest:?}"
    );
    assert!(
        during
            .iter()
            .filter(|a| a.node == 1)
            .all(Answer::acknowledged)
    );
    assert!(recovered.is_some(), "node A did not come back by itself");
    assert!(
        after.iter().all(Answer::acknowledged),
        "{:?}",
        count_status(&after, 0)
    );
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    assert_eq!(without_mail, 0);
    assert!(
        duplicates <= in_flight,
        "only mail in flight at the cut may go twice"
    );
}
