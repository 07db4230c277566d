//! What we acknowledge survives: kill -9 mid-load, a locked database, a full disk.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::*;

/// Posts signups from `connections` concurrent clients until the server dies or `for_how_long`
/// passes, then kills it with SIGKILL. Returns every address that got a 303.
async fn load_then_kill(
    server: &mut RunningBinary,
    prefix: &str,
    connections: usize,
    for_how_long: Duration,
) -> Vec<String> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!("{}/waitlists/{LIST}/signups", server.base_url);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for task in 0..connections {
        let (client, url, acked, stop) = (client.clone(), url.clone(), acked.clone(), stop.clone());
        let prefix = prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let email = format!("{prefix}-{task}-{i}@example.com");
                i += 1;
                match client
                    .post(&url)
                    .form(&[("email", email.as_str())])
                    .send()
                    .await
                {
                    Ok(response) if response.status().as_u16() == 303 => {
                        acked.lock().unwrap().push(email)
                    }
                    Ok(response) => assert!(
                        response.status().as_u16() == 503,
                        "a signup under load got {}",
                        response.status()
                    ),
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(for_how_long).await;
    server.kill_9();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

fn lost(data_dir: &std::path::Path, acked: &[String]) -> Vec<String> {
    let stored: HashSet<String> = exported_emails(data_dir, LIST).into_iter().collect();
    acked
        .iter()
        .filter(|e| !stored.contains(*e))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_signup_survives_kill_9_mid_load() {
    let smtp = SmtpSink::start().await;
    smtp.count_only();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env = [
        ("QUIETLIST_SMTP_URL", smtp.url()),
        ("QUIETLIST_RATE_LIMIT", "off".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut all_acked = Vec::new();
    let mut server = RunningBinary::start(&data, &env);
    for cycle in 0..4 {
        let acked = load_then_kill(
            &mut server,
            &format!("crash{cycle}"),
            32,
            Duration::from_millis(800),
        )
        .await;
        assert!(
            acked.len() > 50,
            "cycle {cycle}: the load acknowledged only {} signups",
            acked.len()
        );
        all_acked.extend(acked);
        server = RunningBinary::start(&data, &env);
        let missing = lost(&data, &all_acked);
        assert!(
            missing.is_empty(),
            "cycle {cycle}: {} of {} acknowledged signups lost, e.g. {:?}",
            missing.len(),
            all_acked.len(),
            &missing[..missing.len().min(3)]
        );
        // PostgreSQL checks its own pages; SQLite's file is checked here.
        if !on_postgres() {
            assert_eq!(integrity_check(&data), "ok", "cycle {cycle}");
        }
        eprintln!(
            "crash cycle {cycle}: {} acknowledged in all, 0 lost, integrity ok",
            all_acked.len()
        );
    }
}

/// The negative control: a build setting that answers before committing must be caught
/// by the same check, or the check above proves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_crash_check_catches_a_server_that_acknowledges_before_commit() {
    let smtp = SmtpSink::start().await;
    smtp.count_only();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env = [
        ("QUIETLIST_SMTP_URL", smtp.url()),
        ("QUIETLIST_RATE_LIMIT", "off".into()),
        ("QUIETLIST_TEST_ONLY_ACK_BEFORE_COMMIT", "1".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = RunningBinary::start(&data, &env);
    let acked = load_then_kill(&mut server, "unsafe", 32, Duration::from_millis(600)).await;
    let _restarted = RunningBinary::start(&data, &env);
    let missing = lost(&data, &acked);
    eprintln!(
        "negative control: {} acknowledged, {} lost",
        acked.len(),
        missing.len()
    );
    assert!(
        !missing.is_empty(),
        "acknowledging before commit lost nothing: the crash check cannot fail"
    );
}

#[tokio::test]
async fn a_locked_database_answers_503_loses_nothing_and_recovers_without_a_restart() {
    if skip_on_postgres("another process locking the SQLite file") {
        return;
    }
    let app = spawn_app_with(|c| {
        c.database.sqlite.busy_timeout = Duration::from_millis(200);
        c.rate_limit = false;
    })
    .await;
    app.sign_up("before-lock@example.com").await;

    let lock = rusqlite::Connection::open(app.data_dir.join("quietlist.sqlite3")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let refused = app
        .post_signup_form(LIST, &[("email", "during-lock@example.com")])
        .await;
    assert_eq!(refused.status().as_u16(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Nothing was recorded")
    );
    let json = app
        .post_signup_json(
            LIST,
            &serde_json::json!({ "email": "during-lock@example.com" }),
        )
        .await;
    assert_eq!(json.status().as_u16(), 503);
    let body: serde_json::Value = json.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);

    app.sign_up("after-lock@example.com").await;
    let emails = exported_emails(&app.data_dir, LIST);
    assert!(emails.contains(&"before-lock@example.com".to_owned()));
    assert!(emails.contains(&"after-lock@example.com".to_owned()));
    assert!(
        !emails.contains(&"during-lock@example.com".to_owned()),
        "a 503 recorded nothing"
    );
}

const DISK_FULL_DIR: &str = "QUIETLIST_TEST_DISK_FULL_DIR";
const DISK_FULL_OK: &str = "DISK-FULL-SCENARIO-OK";

/// Runs `disk_full_inner` in a user and mount namespace (`unshare -rm`) whose data
/// directory is a 16 MiB tmpfs, so the disk can fill up without root.
#[test]
fn a_full_disk_answers_503_loses_nothing_and_recovers_without_a_restart() {
    if skip_on_postgres("the SQLite file's disk filling up (PostgreSQL's disk is the server's)") {
        return;
    }
    let mount_point = tempfile::tempdir().unwrap();
    let test_binary = std::env::current_exe().unwrap();
    let output = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", "mount -t tmpfs -o size=16m tmpfs \"$1\" && exec \"$2\" durability::disk_full_inner --exact --nocapture --test-threads 1", "sh"])
        .arg(mount_point.path())
        .arg(&test_binary)
        .env(DISK_FULL_DIR, mount_point.path())
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains(DISK_FULL_OK),
        "the disk-full scenario failed:\n{stdout}\n{stderr}"
    );
    for line in stdout.lines().filter(|l| l.contains(DISK_FULL_OK)) {
        eprintln!("{line}");
    }
}

/// The scenario itself; does nothing unless started by the test above.
#[tokio::test]
async fn disk_full_inner() {
    let Ok(dir) = std::env::var(DISK_FULL_DIR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let app = spawn_app_in(&dir, |c| c.rate_limit = false).await;
    app.sign_up("before-full@example.com").await;

    // Fill the disk to the last byte.
    let filler = dir.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let small = [0u8; 512];
        while file.write_all(&small).is_ok() {}
        let _ = file.sync_all();
    }

    let mut acked_while_full = Vec::new();
    let mut refused = 0;
    for i in 0..200 {
        let email = format!("while-full-{i}@example.com");
        let response = app
            .post_signup_form(
                LIST,
                &[("email", email.as_str()), ("name", &"n".repeat(90))],
            )
            .await;
        match response.status().as_u16() {
            303 => acked_while_full.push(email),
            503 => {
                refused += 1;
                assert!(response.text().await.unwrap().contains("disk is full"));
            }
            other => panic!("a signup on a full disk got {other}"),
        }
    }
    assert!(
        refused > 0,
        "the disk never filled: all 200 signups were accepted"
    );

    std::fs::remove_file(&filler).unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        let response = app
            .post_signup_form(LIST, &[("email", "after-full@example.com")])
            .await;
        if response.status().as_u16() == 303 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "signups did not recover after space returned");

    let emails: HashSet<String> = exported_emails(&app.data_dir, LIST).into_iter().collect();
    for email in ["before-full@example.com", "after-full@example.com"]
        .iter()
        .map(|e| e.to_string())
        .chain(acked_while_full.iter().cloned())
    {
        assert!(
            emails.contains(&email),
            "{email} was acknowledged but is not stored"
        );
    }
    assert_eq!(integrity_check(&app.data_dir), "ok");
    println!(
        "{DISK_FULL_OK}: {refused} refused with 503, {} accepted while full, 0 lost",
        acked_while_full.len()
    );
}
