//! Opening connections with the settings quietlist relies on, and embedded migrations.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: a commit has reached the disk before it returns.
    #[default]
    Full,
    /// `synchronous=NORMAL`: may lose the last signups on power loss (not on a crash of
    /// quietlist itself). Only when the owner asks for it.
    Normal,
}

/// See `open_writer`.
const WAL_CHECKPOINT_PAGES: u32 = 250;

/// How long a connection waits for a lock held by another process before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub fn open_writer(
    path: &Path,
    durability: Durability,
    busy_timeout: Duration,
) -> anyhow::Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(busy_timeout)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    anyhow::ensure!(
        mode.eq_ignore_ascii_case("wal"),
        "{} could not be switched to WAL mode (got {mode})",
        path.display()
    );
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    // A larger page cache keeps the hot index pages of a busy list in memory. Checkpoints
    // run inside the commit that fills the WAL past the mark; a mark of 250 pages (not
    // SQLite's 1,000) makes each one short: signup p99 6.6 ms instead of 10-12 ms, for
    // about 5% of throughput (bench/RESULTS.md).
    conn.execute_batch(&format!(
        "PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;
         PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES};"
    ))?;
    Ok(conn)
}

pub fn open_reader(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {} for reading", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;")?;
    Ok(conn)
}

/// Forward-only migrations, numbered like the PostgreSQL tree will be.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../migrations/sqlite/0001_waitlists.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/sqlite/0002_privacy.sql"),
    ),
    (3, include_str!("../../../migrations/sqlite/0003_owner.sql")),
    (
        4,
        include_str!("../../../migrations/sqlite/0004_status_counts.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/sqlite/0005_ids_never_reused.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/sqlite/0006_key_check.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/sqlite/0007_referral_index.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/sqlite/0008_token_expiry.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/sqlite/0009_no_address_in_errors.sql"),
    ),
    (
        10,
        include_str!("../../../migrations/sqlite/0010_announcements.sql"),
    ),
    (
        11,
        include_str!("../../../migrations/sqlite/0011_announcement_runs.sql"),
    ),
    (
        12,
        include_str!("../../../migrations/sqlite/0012_undeliverable.sql"),
    ),
    (
        13,
        include_str!("../../../migrations/sqlite/0013_subscriber_language.sql"),
    ),
    (
        14,
        include_str!("../../../migrations/sqlite/0014_api_keys.sql"),
    ),
    (
        15,
        include_str!("../../../migrations/sqlite/0015_webhooks.sql"),
    ),
    (
        16,
        include_str!("../../../migrations/sqlite/0016_roles.sql"),
    ),
    (
        17,
        include_str!("../../../migrations/sqlite/0017_published_announcements.sql"),
    ),
    (
        18,
        include_str!("../../../migrations/sqlite/0018_api_key_maker.sql"),
    ),
];

pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    // A migration that rebuilds a table must not cascade deletes into the tables that
    // point at it (SQLite's documented procedure): foreign keys are off while migrations
    // run, and checked before they are turned back on.
    conn.execute_batch("PRAGMA foreign_keys=OFF")?;
    let migrated = apply_migrations(conn);
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    conn.execute_batch("PRAGMA foreign_keys=ON")?;
    migrated?;
    if let Some(table) = broken {
        anyhow::bail!("after migrating, table {table} has rows pointing at nothing");
    }
    Ok(())
}

fn apply_migrations(conn: &mut Connection) -> anyhow::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !applied {
            tx.execute_batch(sql)
                .with_context(|| format!("applying migration {version}"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                (version, crate::store::now_millis()),
            )?;
            tracing::info!(version, "applied database migration");
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database made before migration 5, with people, links, mail and an erasure, keeps
    /// every row and link through it, and the next id is past every id handed out.
    #[test]
    fn rebuilding_subscribers_keeps_every_row_and_never_reuses_an_erased_id() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys=ON").unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        for (version, sql) in &MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO schema_migrations VALUES (?1, 0)", [version])
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO subscribers (id, list, email_index, email_sealed, status, signed_up_at, last_signup_at)
                 VALUES (1, 'l', x'01', x'aa', 'confirmed', 1, 1), (2, 'l', x'02', x'bb', 'pending', 2, 2),
                        (3, 'l', x'03', x'cc', 'confirmed', 3, 3);
             INSERT INTO tokens (subscriber_id, purpose, seed, created_at, expires_at) VALUES (1, 'manage', x'00', 1, 9);
             INSERT INTO outbox (subscriber_id, kind, state, created_at, due_at) VALUES (1, 'welcome', 'sent', 1, 1);
             INSERT INTO consent_records (subscriber_id, list, form, text_hash, submitted_at, confirmed_at)
                 VALUES (3, 'l', 'f', 'h', 3, 3);
             DELETE FROM subscribers WHERE id = 3;",
        )
        .unwrap();

        migrate(&mut conn).unwrap();

        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM subscribers"), 2);
        assert_eq!(count("SELECT COUNT(*) FROM tokens"), 1, "links survive");
        assert_eq!(
            count("SELECT COUNT(*) FROM outbox"),
            1,
            "mail history survives"
        );
        assert_eq!(
            count("SELECT people FROM status_counts WHERE status = 'confirmed'"),
            1
        );
        let next: i64 = conn
            .query_row(
                "INSERT INTO subscribers (list, email_index, email_sealed, status, signed_up_at, last_signup_at)
                 VALUES ('l', x'04', x'dd', 'pending', 4, 4) RETURNING id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(next, 4, "id 3 belonged to someone who was erased");
        assert_eq!(
            count("SELECT people FROM status_counts WHERE status = 'pending'"),
            2,
            "the kept counts' triggers were recreated"
        );
        // Foreign keys are on again and still cascade.
        conn.execute("DELETE FROM subscribers WHERE id = 1", [])
            .unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM tokens"), 0);
    }

    /// Keys made before migration 18 get their maker from the audit log; one whose maker
    /// is gone (or whose account id now belongs to an account made after the key) or is
    /// no longer an owner is revoked, with an audit entry; the command line's stay.
    #[test]
    fn keys_made_before_migration_18_get_their_maker_from_the_audit_log() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v <= 16) {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO schema_migrations VALUES (?1, 0)", [version])
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO admins (id, email_index, email_sealed, password_hash, created_at, updated_at, role)
                 VALUES (1, x'01', x'aa', 'h', 10, 10, 'owner'), (2, x'02', x'bb', 'h', 10, 10, 'editor'),
                        (3, x'03', x'cc', 'h', 500, 500, 'owner');
             INSERT INTO api_keys (name, lookup, key_hash, scopes, created_at) VALUES
                 ('shell', 'aaaaaaaaaaaa', x'00', 'export', 100),
                 ('unlogged', 'bbbbbbbbbbbb', x'00', 'export', 100),
                 ('owners', 'cccccccccccc', x'00', 'export', 100),
                 ('editors', 'dddddddddddd', x'00', 'export', 100),
                 ('gone', 'eeeeeeeeeeee', x'00', 'export', 100),
                 ('reused', 'ffffffffffff', x'00', 'export', 100);
             INSERT INTO audit_log (at, actor, action, subject, detail) VALUES
                 (50, 'admin:2', 'api-key', 'api-key:owners', 'API key created with scopes export'),
                 (60, 'admin:2', 'api-key', 'api-key:owners', 'API key revoked'),
                 (100, 'cli:ada', 'api-key', 'api-key:shell', 'API key created with scopes export'),
                 (100, 'admin:1', 'api-key', 'api-key:owners', 'API key created with scopes export'),
                 (100, 'admin:2', 'api-key', 'api-key:editors', 'API key created with scopes export'),
                 (100, 'admin:9', 'api-key', 'api-key:gone', 'API key created with scopes export'),
                 (100, 'admin:3', 'api-key', 'api-key:reused', 'API key created with scopes export');",
        )
        .unwrap();

        migrate(&mut conn).unwrap();

        let keys: Vec<(String, Option<i64>)> = conn
            .prepare("SELECT name, created_by FROM api_keys ORDER BY name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            keys,
            [
                ("owners".to_owned(), Some(1)),
                ("shell".to_owned(), None),
                ("unlogged".to_owned(), None),
            ]
        );
        let revoked: Vec<(String, String, String)> = conn
            .prepare(
                "SELECT actor, subject, detail FROM audit_log WHERE detail LIKE '%no longer an owner' ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let subjects: Vec<&str> = revoked.iter().map(|(_, s, _)| s.as_str()).collect();
        assert_eq!(
            subjects,
            ["api-key:editors", "api-key:gone", "api-key:reused"]
        );
        assert!(revoked.iter().all(|(actor, _, _)| actor == "system"));
        // The words are the ones the server writes when it revokes such a key itself.
        let expected = crate::privacy::audit::AuditEvent::ApiKeyMakerNotOwner {
            name: "gone".into(),
            owner_id: 9,
        }
        .into_entry(&crate::privacy::audit::Actor::System, 0);
        assert_eq!(revoked[1].2, expected.detail);
        // The maker is a foreign key: removing the account removes its keys.
        conn.execute("DELETE FROM admins WHERE id = 1", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM api_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
    }
}
