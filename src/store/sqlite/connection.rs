//! Opening connections with the settings quietlist relies on, and embedded migrations.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

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
        7,
        include_str!("../../../migrations/sqlite/0007_referral_index.sql"),
    ),
];

pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
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
