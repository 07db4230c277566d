//! Forward-only migrations, embedded, numbered as the SQLite tree's. Applied at connect
//! under a session advisory lock: nodes that start together wait for one another, and
//! each migration runs once, in its own transaction with its row in `schema_migrations`.

use anyhow::Context;
use deadpool_postgres::Pool;

const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../migrations/postgres/0001_waitlists.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/postgres/0002_privacy.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/postgres/0003_owner.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/postgres/0004_status_counts.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/postgres/0005_ids_never_reused.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/postgres/0006_key_check.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/postgres/0007_referral_index.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/postgres/0008_token_expiry.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/postgres/0009_no_address_in_errors.sql"),
    ),
    (
        10,
        include_str!("../../../migrations/postgres/0010_announcements.sql"),
    ),
    (
        11,
        include_str!("../../../migrations/postgres/0011_announcement_runs.sql"),
    ),
    (
        12,
        include_str!("../../../migrations/postgres/0012_undeliverable.sql"),
    ),
    (
        13,
        include_str!("../../../migrations/postgres/0013_subscriber_language.sql"),
    ),
    (
        14,
        include_str!("../../../migrations/postgres/0014_api_keys.sql"),
    ),
    (
        15,
        include_str!("../../../migrations/postgres/0015_webhooks.sql"),
    ),
    (
        16,
        include_str!("../../../migrations/postgres/0016_roles.sql"),
    ),
    (
        17,
        include_str!("../../../migrations/postgres/0017_published_announcements.sql"),
    ),
];

/// The one-key advisory lock of migrations ("quietlist" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x7175_6965_746c_6973;

/// The newest migration this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

pub async fn migrate(pool: &Pool) -> anyhow::Result<()> {
    let mut client = pool
        .get()
        .await
        .context("connecting to PostgreSQL to migrate")?;
    // Another node may hold the lock while it migrates: wait for it, whatever the
    // statement timeout of ordinary requests.
    client
        .batch_execute("SET statement_timeout = 0; SET lock_timeout = 0")
        .await
        .context("preparing to migrate")?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .context("waiting for the migration lock")?;
    let result = apply(&mut client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    // Back to the pool's settings before the connection serves requests.
    let reset = client
        .batch_execute("RESET statement_timeout; RESET lock_timeout")
        .await;
    result?;
    unlocked.context("releasing the migration lock")?;
    reset.context("resetting after migrating")?;
    Ok(())
}

/// The newest migration applied (for readiness).
pub async fn applied(tx: &super::db::Tx<'_>) -> crate::store::StoreResult<i64> {
    let row = super::db::one(
        tx,
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
        "reading schema_migrations",
    )
    .await?;
    super::db::col(&row, 0)
}

async fn apply(client: &mut deadpool_postgres::Client) -> anyhow::Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await
        .context("creating schema_migrations")?;
    let newest: i64 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .context("reading schema_migrations")?
        .try_get(0)?;
    if newest > latest() {
        // An upgrade in progress: migrations stay safe for the previous version.
        tracing::warn!(
            database = newest,
            binary = latest(),
            "the database was migrated by a newer quietlist"
        );
    }
    for (version, sql) in MIGRATIONS {
        let tx = client.transaction().await?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await?
            .is_some();
        if !applied {
            tx.batch_execute(sql)
                .await
                .with_context(|| format!("applying PostgreSQL migration {version}"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[version, &crate::store::now_millis()],
            )
            .await?;
            tracing::info!(version, "applied database migration");
        }
        tx.commit().await?;
    }
    Ok(())
}
