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
    (
        18,
        include_str!("../../../migrations/postgres/0018_api_key_maker.sql"),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// As the SQLite test of migration 18: keys made before it get their maker from the
    /// audit log, those whose maker is gone or no longer an owner are revoked and logged,
    /// and the maker becomes a foreign key that takes an account's keys with it.
    #[tokio::test]
    async fn keys_made_before_migration_18_get_their_maker_from_the_audit_log() {
        let Ok(admin) = std::env::var("QUIETLIST_TEST_POSTGRES_URL") else {
            eprintln!("skipped: set QUIETLIST_TEST_POSTGRES_URL to test the PostgreSQL store");
            return;
        };
        let url = super::super::testing::fresh_database(&admin).await.unwrap();
        let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(
                "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .await
            .unwrap();
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v <= 16) {
            client.batch_execute(sql).await.unwrap();
            client
                .execute("INSERT INTO schema_migrations VALUES ($1, 0)", &[version])
                .await
                .unwrap();
        }
        client
            .batch_execute(
                "INSERT INTO admins (id, email_index, email_sealed, password_hash, created_at, updated_at, role)
                     VALUES (1, '\\x01', '\\xaa', 'h', 10, 10, 'owner'), (2, '\\x02', '\\xbb', 'h', 10, 10, 'editor'),
                            (3, '\\x03', '\\xcc', 'h', 500, 500, 'owner');
                 INSERT INTO api_keys (name, lookup, key_hash, scopes, created_at) VALUES
                     ('shell', 'aaaaaaaaaaaa', '\\x00', 'export', 100),
                     ('unlogged', 'bbbbbbbbbbbb', '\\x00', 'export', 100),
                     ('owners', 'cccccccccccc', '\\x00', 'export', 100),
                     ('editors', 'dddddddddddd', '\\x00', 'export', 100),
                     ('gone', 'eeeeeeeeeeee', '\\x00', 'export', 100),
                     ('reused', 'ffffffffffff', '\\x00', 'export', 100);
                 INSERT INTO audit_log (at, actor, action, subject, detail) VALUES
                     (50, 'admin:2', 'api-key', 'api-key:owners', 'API key created with scopes export'),
                     (60, 'admin:2', 'api-key', 'api-key:owners', 'API key revoked'),
                     (100, 'cli:ada', 'api-key', 'api-key:shell', 'API key created with scopes export'),
                     (100, 'admin:1', 'api-key', 'api-key:owners', 'API key created with scopes export'),
                     (100, 'admin:2', 'api-key', 'api-key:editors', 'API key created with scopes export'),
                     (100, 'admin:9', 'api-key', 'api-key:gone', 'API key created with scopes export'),
                     (100, 'admin:3', 'api-key', 'api-key:reused', 'API key created with scopes export');",
            )
            .await
            .unwrap();

        // As `apply` runs each migration: in a transaction of its own.
        for (_, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > 16) {
            let tx = client.transaction().await.unwrap();
            tx.batch_execute(sql).await.unwrap();
            tx.commit().await.unwrap();
        }

        let keys: Vec<(String, Option<i64>)> = client
            .query("SELECT name, created_by FROM api_keys ORDER BY name", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(
            keys,
            [
                ("owners".to_owned(), Some(1)),
                ("shell".to_owned(), None),
                ("unlogged".to_owned(), None),
            ]
        );
        let revoked: Vec<(String, String, String)> = client
            .query(
                "SELECT actor, subject, detail FROM audit_log WHERE detail LIKE '%no longer an owner' ORDER BY id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let subjects: Vec<&str> = revoked.iter().map(|(_, s, _)| s.as_str()).collect();
        assert_eq!(
            subjects,
            ["api-key:editors", "api-key:gone", "api-key:reused"]
        );
        assert!(revoked.iter().all(|(actor, _, _)| actor == "system"));
        let expected = crate::privacy::audit::AuditEvent::ApiKeyMakerNotOwner {
            name: "gone".into(),
            owner_id: 9,
        }
        .into_entry(&crate::privacy::audit::Actor::System, 0);
        assert_eq!(revoked[1].2, expected.detail);
        client
            .execute("DELETE FROM admins WHERE id = 1", &[])
            .await
            .unwrap();
        let left: i64 = client
            .query_one("SELECT COUNT(*) FROM api_keys", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 2);
    }
}
