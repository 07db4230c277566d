//! `quietlist backup` against a live server, and `quietlist restore` into a new data
//! directory: the same people come back, and only under the key they were written with.

use std::path::Path;

use crate::helpers::*;
use crate::ops_support::ServedNode;

const OTHER_KEY: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn run(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = quietlist_command_on(data_dir);
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run quietlist")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn sign_up_many(base_url: &str, from: usize, to: usize) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for i in from..to {
        let response = client
            .post(format!("{base_url}/waitlists/{LIST}/signups"))
            .form(&[("email", format!("backup-{i:04}@example.com").as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
    }
}

/// A data directory holding only a copy of `key_from`'s secret.key (mode 0600).
fn empty_data_dir_with_key_of(key_from: &Path) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("secret.key");
    std::fs::copy(key_from.join("secret.key"), &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_people_sign_up_restores_to_a_consistent_and_identical_list() {
    if skip_on_postgres("backup copies SQLite; PostgreSQL is backed up with pg_dump") {
        return;
    }
    let live = tempfile::tempdir().unwrap();
    let node = ServedNode::start(live.path(), &[("QUIETLIST_RATE_LIMIT", "off")]);
    sign_up_many(&node.base_url, 0, 150).await;

    // A backup while signups keep landing.
    let base_url = node.base_url.clone();
    let signing_up = tokio::spawn(async move { sign_up_many(&base_url, 150, 400).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let during = live.path().join("during.backup");
    let output = run(live.path(), &["backup", during.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(said.contains("integrity_check: ok"), "{said}");
    assert!(said.contains("NOT in this backup"), "{said}");
    assert!(
        said.contains(&live.path().join("secret.key").display().to_string()),
        "the reminder names where the key is: {said}"
    );
    assert_eq!(text(&output.stderr), "", "no log lines mixed in");
    let finished_while_backing_up = signing_up.is_finished();
    signing_up.await.unwrap();
    assert!(
        !finished_while_backing_up,
        "the signups ended before the backup did: nothing ran at once"
    );

    // Restored: a consistent snapshot, the first N signups and nothing half-written.
    let restored = empty_data_dir_with_key_of(live.path());
    let output = run(restored.path(), &["restore", during.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let emails = exported_emails(restored.path(), LIST);
    assert!(
        emails.len() >= 150 && emails.len() < 400,
        "{}",
        emails.len()
    );
    let mut sorted = emails.clone();
    sorted.sort();
    let expected: Vec<String> = (0..emails.len())
        .map(|i| format!("backup-{i:04}@example.com"))
        .collect();
    assert_eq!(sorted, expected, "the backup is not one moment's list");

    // Once the signups have stopped, the export before equals the export after, byte
    // for byte.
    let after = live.path().join("after.backup");
    let output = run(live.path(), &["backup", after.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let before = export_csv(live.path(), LIST);
    let again = empty_data_dir_with_key_of(live.path());
    let output = run(again.path(), &["restore", after.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(export_csv(again.path(), LIST), before);
    assert_eq!(before.lines().count(), 401);
    assert_eq!(integrity_check(again.path()), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_is_refused_under_another_key_without_a_key_and_into_a_data_directory_in_use() {
    if skip_on_postgres("backup copies SQLite; PostgreSQL is backed up with pg_dump") {
        return;
    }
    let live = tempfile::tempdir().unwrap();
    let node = ServedNode::start(live.path(), &[]);
    sign_up_many(&node.base_url, 0, 3).await;
    let file = live.path().join("people.backup");
    let output = run(live.path(), &["backup", file.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    drop(node);

    let elsewhere = tempfile::tempdir().unwrap();
    let output = run(
        elsewhere.path(),
        &["restore", file.to_str().unwrap()],
        &[("QUIETLIST_SECRET_KEY", OTHER_KEY)],
    );
    assert!(!output.status.success(), "restored under another key");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("another secret key"), "{stderr}");
    assert!(!elsewhere.path().join("quietlist.sqlite3").exists());

    let output = run(elsewhere.path(), &["restore", file.to_str().unwrap()], &[]);
    assert!(!output.status.success(), "restored without any key");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("needs the secret key"), "{stderr}");
    assert!(
        !elsewhere.path().join("secret.key").exists(),
        "restore made a key of its own"
    );

    let before = export_csv(live.path(), LIST);
    let output = run(live.path(), &["restore", file.to_str().unwrap()], &[]);
    assert!(!output.status.success(), "restored over a database in use");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert_eq!(export_csv(live.path(), LIST), before);

    let output = run(live.path(), &["backup", file.to_str().unwrap()], &[]);
    assert!(!output.status.success(), "overwrote an existing backup");
}

#[test]
fn on_postgresql_backup_points_to_pg_dump_and_keeps_the_password_secret() {
    let data = tempfile::tempdir().unwrap();
    let output = quietlist_command()
        .env("QUIETLIST_DATA_DIR", data.path())
        .env(
            "QUIETLIST_DATABASE_URL",
            "postgres://owner:hunter2@127.0.0.1:1/quietlist",
        )
        .args(["backup", "/tmp/never-written.backup"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!Path::new("/tmp/never-written.backup").exists());
}
