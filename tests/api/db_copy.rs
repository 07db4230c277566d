//! `quietlist db copy`: a database with people in every status, consent records, mail,
//! audit entries, cohorts and owners goes SQLite -> PostgreSQL -> SQLite (SQLite ->
//! SQLite -> SQLite when no PostgreSQL is given) and comes back with every table's
//! digest equal to the original's and the same export; a target that holds anything is
//! refused and left as it was.

use std::path::Path;

use quietlist::store::copy::digest_all;
use quietlist::store::{DatabaseUrl, open_copy};

use crate::helpers::*;
use crate::owner::add_owner;
use crate::postgres::TestDatabase;
use crate::promise::confirmed_person;

/// `quietlist db copy --to TO` run by the owner on `data_dir` whose database is `from`.
fn db_copy(data_dir: &Path, from: &str, to: &str) -> std::process::Output {
    quietlist_command()
        .args(["db", "copy", "--to", to])
        .env("QUIETLIST_DATA_DIR", data_dir)
        .env("QUIETLIST_DATABASE_URL", from)
        .output()
        .expect("run quietlist db copy")
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Every table's (rows, SHA-256, largest id) as `url` holds them now.
async fn digests(url: &str) -> Vec<(u64, String, Option<i64>)> {
    let parsed = DatabaseUrl::parse(Some(url), Path::new("/nonexistent")).unwrap();
    let db = open_copy(&parsed).await.unwrap();
    db.begin_read().await.unwrap();
    let all = digest_all(db.as_ref()).await.unwrap();
    db.end_read().await.unwrap();
    all.into_iter()
        .map(|(d, hw)| (d.rows, d.hex(), hw))
        .collect()
}

fn export_from(data_dir: &Path, url: &str) -> String {
    let output = quietlist_command()
        .args(["export", LIST])
        .env("QUIETLIST_DATA_DIR", data_dir)
        .env("QUIETLIST_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A waitlist that has seen everything: pending, confirmed, invited, accepted, declined,
/// expired, unsubscribed and erased people, an owner who signed in and failed once, an
/// export. Returns the app (stopped by the caller) with its SQLite database.
async fn lived_in_app() -> TestApp {
    let app = spawn_app_with(|c| c.rate_limit = false).await;
    add_owner(&app);
    for i in 0..6 {
        app.sign_up_and_confirm(&format!("line{i}@example.com"))
            .await;
    }
    app.sign_up("pending@example.com").await;
    let (unsubscribe, _) = confirmed_person(&app, "gone@example.com").await;
    let left = app.client.post(&unsubscribe).send().await.unwrap();
    assert_eq!(left.status().as_u16(), 200);
    let (_, manage) = confirmed_person(&app, "erased@example.com").await;
    erase_through(&app, &manage).await;
    let invited = invite_next(&app, "4", "4");
    assert!(invited.contains("invited 4"), "{invited}");
    for (email, answer) in [
        ("line0@example.com", "/accept/"),
        ("line1@example.com", "/decline/"),
    ] {
        let mail = mail_with_subject(&app, email, "seat is open").await;
        let response = app
            .client
            .post(link_in(&mail, answer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // An invitation that ran out (the hourly job's doing, written here directly).
    let conn = rusqlite::Connection::open(app.data_dir.join("quietlist.sqlite3")).unwrap();
    conn.execute_batch(
        "UPDATE invitations SET state = 'expired', expires_at = 1
             WHERE id = (SELECT MAX(id) FROM invitations WHERE state = 'invited');
         UPDATE subscribers SET status = 'expired'
             WHERE id = (SELECT subscriber_id FROM invitations WHERE state = 'expired');",
    )
    .unwrap();
    let statuses: Vec<String> = conn
        .prepare("SELECT DISTINCT status FROM subscribers ORDER BY status")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        statuses,
        [
            "accepted",
            "confirmed",
            "declined",
            "expired",
            "invited",
            "pending",
            "unsubscribed"
        ]
    );
    let wrong = crate::owner::login_with(&app, &crate::owner::browser(), "not the password").await;
    assert_ne!(wrong.status().as_u16(), 303);
    let right =
        crate::owner::login_with(&app, &crate::owner::browser(), crate::owner::PASSWORD).await;
    assert_eq!(right.status().as_u16(), 303);
    app.export_csv(LIST);
    app
}

fn assert_copied(output: &std::process::Output, what: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("verified: every table"), "{what}: {stdout}");
    assert!(stdout.contains("same secret key"), "{what}: {stdout}");
    eprintln!("{what}:\n{stdout}");
}

#[tokio::test]
async fn a_lived_in_database_goes_to_postgres_and_back_with_every_digest_and_the_export_unchanged()
{
    let app = lived_in_app().await;
    let data_dir = app.data_dir.clone();
    let original = sqlite_url(&data_dir.join("quietlist.sqlite3"));
    let export_before = export_from(&data_dir, &original);
    let _kept = app.stop_keeping_data().await;
    // The export above wrote an audit entry: digests are taken after it.
    let before = digests(&original).await;
    assert_eq!(before[0].0, 8, "people: {before:?}");

    let scratch = tempfile::tempdir().unwrap();
    let postgres = TestDatabase::create("db_copy_round_trip").await;
    let middle = match &postgres {
        Some(db) => db.url.clone(),
        None => sqlite_url(&scratch.path().join("middle.sqlite3")),
    };
    let last = sqlite_url(&scratch.path().join("last.sqlite3"));

    assert_copied(&db_copy(&data_dir, &original, &middle), "to the middle");
    // Each copy appends its own audit entry to both sides, after verifying: the
    // original's own rows are compared before that entry, table by table.
    assert_copied(&db_copy(&data_dir, &middle, &last), "back to SQLite");
    let after = digests(&last).await;
    let audit = quietlist::store::copy::TABLES
        .iter()
        .position(|t| t.name == "audit_log")
        .unwrap();
    for (i, table) in quietlist::store::copy::TABLES.iter().enumerate() {
        if i == audit {
            assert_eq!(after[i].0, before[i].0 + 2, "two copies, two audit entries");
        } else {
            assert_eq!(after[i], before[i], "{} changed on its way", table.name);
        }
    }
    if let Some(db) = &postgres {
        assert_eq!(
            export_from(&data_dir, &db.url),
            export_before,
            "the app on PostgreSQL exports the same people"
        );
    }
    assert_eq!(
        export_from(&data_dir, &last),
        export_before,
        "the app on the final copy exports the same people"
    );
}

#[tokio::test]
async fn a_target_holding_anything_is_refused_and_left_as_it_was() {
    let app = spawn_app().await;
    app.sign_up_and_confirm("someone@example.com").await;
    let data_dir = app.data_dir.clone();
    let original = sqlite_url(&data_dir.join("quietlist.sqlite3"));
    let _kept = app.stop_keeping_data().await;

    let scratch = tempfile::tempdir().unwrap();
    let mut targets = vec![sqlite_url(&scratch.path().join("occupied.sqlite3"))];
    let postgres = TestDatabase::create("db_copy_refused").await;
    targets.extend(postgres.as_ref().map(|db| db.url.clone()));
    for target in targets {
        assert_copied(&db_copy(&data_dir, &original, &target), "first copy");
        let before = digests(&target).await;
        let again = db_copy(&data_dir, &original, &target);
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(!again.status.success(), "a second copy into {target} ran");
        assert!(
            stderr.contains("the target is not empty") && stderr.contains("subscribers: 1 row"),
            "{stderr}"
        );
        assert_eq!(digests(&target).await, before, "the refused target changed");
    }
    let same = db_copy(&data_dir, &original, &original);
    assert!(!same.status.success());
    assert!(String::from_utf8_lossy(&same.stderr).contains("configured database itself"));
}

/// A column the copier does not read would be dropped without a trace (the digests cover
/// only the columns copied): a migration that adds one without teaching the copier must
/// stop the copy, naming the table and column, and write nothing.
#[tokio::test]
async fn a_column_the_copier_does_not_know_stops_the_copy_before_anything_is_written() {
    let app = spawn_app().await;
    app.sign_up_and_confirm("someone@example.com").await;
    let data_dir = app.data_dir.clone();
    let database = data_dir.join("quietlist.sqlite3");
    let _kept = app.stop_keeping_data().await;
    rusqlite::Connection::open(&database)
        .unwrap()
        .execute_batch("ALTER TABLE subscribers ADD COLUMN nickname TEXT; UPDATE subscribers SET nickname = 'kept?';")
        .unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let target = sqlite_url(&scratch.path().join("copy.sqlite3"));
    let output = db_copy(&data_dir, &sqlite_url(&database), &target);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the copy ran: {stderr}");
    assert!(
        stderr.contains("subscribers") && stderr.contains("nickname"),
        "{stderr}"
    );
    let rows: i64 = rusqlite::Connection::open(scratch.path().join("copy.sqlite3"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM subscribers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "the refused copy wrote people");
}
