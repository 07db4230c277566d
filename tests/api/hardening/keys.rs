//! A lost or wrong secret key is refused at start instead of being replaced silently.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{Start, serve};
use crate::helpers::*;

/// The exit code documented for "this database was written with another key".
const EXIT_WRONG_KEY: i32 = 3;

/// A data directory whose database holds one person, written by the real binary.
fn data_dir_with_one_signup(parent: &Path, env: &[(&str, &str)]) -> std::path::PathBuf {
    let data = parent.join("data");
    let mut server = RunningBinary::start(&data, env);
    let url = format!("{}/waitlists/{LIST}/signups", server.base_url);
    let status = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(url)
                .form(&[("email", "kept@example.org")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    assert_eq!(status, 303);
    server.kill_9();
    data
}

fn assert_refused_for_the_key(start: Start) {
    match start {
        Start::Refused { code, stderr } => {
            assert_eq!(
                code,
                Some(EXIT_WRONG_KEY),
                "exit code; it printed:\n{stderr}"
            );
            for way_out in ["secret.key", "QUIETLIST_SECRET_KEY", "empty data directory"] {
                assert!(
                    stderr.contains(way_out),
                    "the refusal names {way_out:?}; it printed:\n{stderr}"
                );
            }
        }
        Start::Served => panic!("quietlist started with another key instead of refusing"),
    }
}

#[test]
fn a_start_without_the_key_file_on_a_database_with_people_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir_with_one_signup(dir.path(), &[]);
    std::fs::remove_file(data.join("secret.key")).unwrap();
    assert_refused_for_the_key(serve(&data, &[]));
    assert!(
        !data.join("secret.key").exists(),
        "a refused start must not leave a new key behind"
    );
}

#[test]
fn a_start_with_a_different_secret_key_in_the_environment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = "ab".repeat(32);
    let data = data_dir_with_one_signup(dir.path(), &[("QUIETLIST_SECRET_KEY", &first)]);
    let other = "cd".repeat(32);
    assert_refused_for_the_key(serve(&data, &[("QUIETLIST_SECRET_KEY", &other)]));
    // The right key still opens it.
    assert!(matches!(
        serve(&data, &[("QUIETLIST_SECRET_KEY", &first)]),
        Start::Served
    ));
}

#[test]
fn the_database_records_a_keyed_check_value_never_the_key() {
    if skip_on_postgres("reads and edits the key_check row in the SQLite file") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir_with_one_signup(dir.path(), &[]);
    let key_hex = std::fs::read_to_string(data.join("secret.key")).unwrap();
    let key = hex::decode(key_hex.trim()).unwrap();
    // Computed here independently: HMAC-SHA256(key, "quietlist key check v1"), 16 bytes.
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(b"quietlist key check v1");
    let expected = hex::encode(&mac.finalize().into_bytes()[..16]);
    let conn = rusqlite::Connection::open(data.join("quietlist.sqlite3")).unwrap();
    let stored: String = conn
        .query_row("SELECT fingerprint FROM key_check", [], |r| r.get(0))
        .expect("a key_check row");
    assert_eq!(stored, expected);
    assert!(!stored.contains(key_hex.trim()));

    // A database from before the check (no value stored) records it at its next start,
    // and is then protected like any other.
    conn.execute("DELETE FROM key_check", []).unwrap();
    drop(conn);
    assert!(matches!(serve(&data, &[]), Start::Served));
    let conn = rusqlite::Connection::open(data.join("quietlist.sqlite3")).unwrap();
    let again: String = conn
        .query_row("SELECT fingerprint FROM key_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(again, expected);
    assert_refused_for_the_key(serve(&data, &[("QUIETLIST_SECRET_KEY", &"ef".repeat(32))]));
}

#[test]
fn a_key_file_that_others_can_read_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir_with_one_signup(dir.path(), &[]);
    let key = data.join("secret.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    match serve(&data, &[]) {
        Start::Refused { code, stderr } => {
            assert_ne!(code, Some(0));
            assert!(stderr.contains("chmod 600"), "it printed:\n{stderr}");
        }
        Start::Served => panic!("quietlist started with a key file others can read"),
    }
}

#[test]
fn a_new_key_on_an_empty_data_directory_is_still_created_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(matches!(serve(&data, &[]), Start::Served));
    let mode = std::fs::metadata(data.join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(matches!(serve(&data, &[]), Start::Served));
    // Nothing was written with that key yet, so another one may take its place.
    assert!(matches!(
        serve(&data, &[("QUIETLIST_SECRET_KEY", &"ab".repeat(32))]),
        Start::Served
    ));
}
