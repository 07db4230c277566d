//! `quietlist backup` against a live server, and `quietlist restore` into a new data
//! directory: the same people come back, and only under the key they were written with.

use std::path::Path;

use crate::helpers::*;
use crate::ops_support::ServedNode;
use crate::owner::{OWNER, PASSWORD, add_owner, browser, cli, login_with};

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

/// The MAC file `quietlist backup` writes beside `file`.
fn mac_of(file: &Path) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".mac");
    name.into()
}

/// Empties a stopped app's data directory but for its secret.key, as a restore wants it.
fn keep_only_the_key(data_dir: &Path) {
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == "secret.key" {
            continue;
        }
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_backup_changed_by_someone_without_the_key_is_refused_and_its_planted_password_does_not_sign_in()
 {
    if skip_on_postgres("backup copies SQLite; PostgreSQL is backed up with pg_dump") {
        return;
    }
    // The attacker's password hash, made on a server of their own: an argon2 hash carries
    // its salt and needs no key, so it works in any database it is written into.
    const PLANTED: &str = "the attacker's own passphrase";
    let theirs = spawn_app().await;
    let (ok, out, err) = cli(
        &theirs,
        &["admin", "add", OWNER, "--password-stdin"],
        Some(&format!("{PLANTED}\n")),
    );
    assert!(ok, "{out}{err}");
    let planted_hash: String =
        rusqlite::Connection::open(theirs.data_dir.join("quietlist.sqlite3"))
            .unwrap()
            .query_row("SELECT password_hash FROM admins", [], |r| r.get(0))
            .unwrap();

    let app = spawn_app().await;
    add_owner(&app);
    app.sign_up("someone@example.com").await;
    let backups = tempfile::tempdir().unwrap();
    let good = backups.path().join("good.sqlite3");
    let (ok, out, err) = cli(&app, &["backup", good.to_str().unwrap()], None);
    assert!(ok, "{out}{err}");
    let said = out;

    // Someone who can write to the backups but has no key changes one row: the owner's
    // password hash becomes theirs. The MAC file is left as it was.
    let changed = backups.path().join("changed.sqlite3");
    std::fs::copy(&good, &changed).unwrap();
    if mac_of(&good).exists() {
        std::fs::copy(mac_of(&good), mac_of(&changed)).unwrap();
    }
    let conn = rusqlite::Connection::open(&changed).unwrap();
    let rows = conn
        .execute("UPDATE admins SET password_hash = ?1", [&planted_hash])
        .unwrap();
    assert_eq!(rows, 1);
    drop(conn);

    // Restored between a stop and a start of the app (its data directory emptied but for
    // the key): the changed backup first, and the good one only if that was refused.
    let mut refusal = None;
    let app = app
        .restart(|config| {
            keep_only_the_key(&config.data_dir);
            let output = run(
                &config.data_dir,
                &["restore", changed.to_str().unwrap()],
                &[],
            );
            if !output.status.success() {
                refusal = Some(text(&output.stderr));
                assert_eq!(
                    names_in(&config.data_dir),
                    ["secret.key"],
                    "a refused restore wrote something"
                );
                let output = run(&config.data_dir, &["restore", good.to_str().unwrap()], &[]);
                assert!(output.status.success(), "{}", text(&output.stderr));
                assert!(text(&output.stdout).contains("MAC: matches"));
            }
        })
        .await;
    assert_eq!(
        login_with(&app, &browser(), PLANTED)
            .await
            .status()
            .as_u16(),
        401,
        "the password planted in a changed backup signs in"
    );
    assert_eq!(
        login_with(&app, &browser(), PASSWORD)
            .await
            .status()
            .as_u16(),
        303,
        "the owner's own password no longer signs in"
    );
    let refusal = refusal.expect("the changed backup was restored");
    assert!(refusal.contains("does not match its MAC"), "{refusal}");
    assert!(refusal.contains("changed.sqlite3.mac"), "{refusal}");
    assert!(refusal.contains("Nothing was restored"), "{refusal}");
    assert!(said.contains("good.sqlite3.mac"), "{said}");
}

#[tokio::test]
async fn a_backup_without_its_mac_is_refused_with_the_way_out_and_restores_only_on_explicit_trust()
{
    if skip_on_postgres("backup copies SQLite; PostgreSQL is backed up with pg_dump") {
        return;
    }
    let app = spawn_app().await;
    app.sign_up("kept@example.com").await;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("people.sqlite3");
    let (ok, out, err) = cli(&app, &["backup", file.to_str().unwrap()], None);
    assert!(ok, "{out}{err}");
    let before = app.export_csv(LIST);
    let stopped = app.stop_keeping_data().await;
    let key_from = stopped.path().join("data");

    // A backup as made before backups were sealed: no MAC beside it.
    let mac = std::fs::read(mac_of(&file));
    let _ = std::fs::remove_file(mac_of(&file));
    let restored = empty_data_dir_with_key_of(&key_from);
    let output = run(restored.path(), &["restore", file.to_str().unwrap()], &[]);
    assert!(!output.status.success(), "restored a backup with no MAC");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("has no MAC"), "{stderr}");
    assert!(stderr.contains("people.sqlite3.mac is missing"), "{stderr}");
    assert!(
        stderr.contains("quietlist restore --trust-unsigned"),
        "{stderr}"
    );
    assert_eq!(names_in(restored.path()), ["secret.key"]);

    // A MAC file that is there is checked, trusted or not.
    std::fs::write(mac_of(&file), b"quietlist-backup-mac v1 hmac-sha256\n00\n").unwrap();
    let output = run(
        restored.path(),
        &["restore", "--trust-unsigned", file.to_str().unwrap()],
        &[],
    );
    assert!(!output.status.success(), "restored with a broken MAC file");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("does not match its MAC"), "{stderr}");
    assert_eq!(names_in(restored.path()), ["secret.key"]);
    std::fs::remove_file(mac_of(&file)).unwrap();

    // The owner who kept it safe says so, and it comes back whole.
    let output = run(
        restored.path(),
        &["restore", "--trust-unsigned", file.to_str().unwrap()],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("taken on trust"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(export_csv(restored.path(), LIST), before);

    // With its MAC back, it restores without the flag.
    std::fs::write(mac_of(&file), mac.expect("a MAC beside the backup")).unwrap();
    let again = empty_data_dir_with_key_of(&key_from);
    let output = run(again.path(), &["restore", file.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(export_csv(again.path(), LIST), before);
}
