//! Which backend a node uses, chosen by one URL (`QUIETLIST_DATABASE_URL`):
//! unset means SQLite in the data directory; `sqlite:///path/to/file` names the file;
//! `postgres://user:pass@host:5432/db?sslmode=...` names a PostgreSQL database shared by
//! any number of nodes. Startup and every job see only the `Store` trait.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use super::Store;
use super::postgres::{PostgresOptions, PostgresStore};
use super::sqlite::{Durability, SqliteOptions, SqliteStore};

/// Everything about the database a node is given. Settings that only one backend knows
/// live under that backend's name.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `None`: SQLite in the data directory.
    pub url: Option<SecretString>,
    pub sqlite: SqliteSettings,
    pub postgres: PostgresSettings,
}

#[derive(Debug, Clone)]
pub struct SqliteSettings {
    pub durability: Durability,
    /// How long a write waits for a lock held by another process before a 503.
    pub busy_timeout: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct PostgresSettings {
    /// Connections each node keeps to the database.
    pub pool_size: usize,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            sqlite: SqliteSettings {
                durability: Durability::Full,
                busy_timeout: std::time::Duration::from_secs(5),
            },
            postgres: PostgresSettings { pool_size: 16 },
        }
    }
}

/// A parsed database URL. The PostgreSQL form keeps its password secret.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// Parses `QUIETLIST_DATABASE_URL`; `None` (or blank) means SQLite in `data_dir`.
    pub fn parse(raw: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Self::Sqlite(data_dir.join(super::sqlite::DATABASE_FILE)));
        };
        if let Some(path) = raw.strip_prefix("sqlite://") {
            // sqlite:///abs/path (three slashes) or sqlite://relative/path
            if path.is_empty() || path.ends_with('/') {
                return Err("a sqlite:// URL must name a file, e.g. sqlite:///var/lib/quietlist/quietlist.sqlite3".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(SecretString::from(raw.to_owned())));
        }
        // Never echo the value: it may hold a password.
        let scheme = raw.split_once("://").map(|(s, _)| s).unwrap_or("(none)");
        Err(format!(
            "QUIETLIST_DATABASE_URL must start with sqlite:// or postgres:// (its scheme is {scheme:?})"
        ))
    }

    /// For logs: the backend and, for PostgreSQL, the host and database without the
    /// password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite at {}", path.display()),
            Self::Postgres(url) => super::postgres::describe_url(url.expose_secret())
                .unwrap_or_else(|| "PostgreSQL".into()),
        }
    }
}

/// Opens (creating and migrating when needed) the configured database.
pub async fn open(settings: &DatabaseSettings, data_dir: &Path) -> anyhow::Result<Arc<dyn Store>> {
    let url = DatabaseUrl::parse(settings.url.as_ref().map(|u| u.expose_secret()), data_dir)
        .map_err(anyhow::Error::msg)?;
    match url {
        DatabaseUrl::Sqlite(path) => {
            let options = SqliteOptions {
                durability: settings.sqlite.durability,
                busy_timeout: settings.sqlite.busy_timeout,
                ..SqliteOptions::default()
            };
            let store = SqliteStore::open_file(&path, &options)
                .with_context(|| format!("opening the SQLite database {}", path.display()))?;
            Ok(store)
        }
        DatabaseUrl::Postgres(_) => open_postgres(settings, &url).await,
    }
}

async fn open_postgres(
    settings: &DatabaseSettings,
    url: &DatabaseUrl,
) -> anyhow::Result<Arc<dyn Store>> {
    let DatabaseUrl::Postgres(secret) = url else {
        anyhow::bail!("not a PostgreSQL URL");
    };
    let options = PostgresOptions {
        pool_size: settings.postgres.pool_size,
        ..PostgresOptions::default()
    };
    let store = PostgresStore::connect(secret.expose_secret(), &options)
        .await
        .with_context(|| format!("opening {}", url.describe()))?;
    Ok(store)
}

/// Opens (creating and migrating when needed) a database for `db copy`, on a connection
/// of its own: the copy reads and writes tables directly, not through the `Store` trait.
pub async fn open_copy(url: &DatabaseUrl) -> anyhow::Result<Box<dyn super::copy::CopyDatabase>> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let path = path.clone();
            let db =
                tokio::task::spawn_blocking(move || super::sqlite::copy::SqliteCopy::open(&path))
                    .await
                    .context("opening the SQLite database")??;
            Ok(Box::new(db))
        }
        DatabaseUrl::Postgres(secret) => Ok(Box::new(
            super::postgres::copy::PostgresCopy::open(secret.expose_secret(), url.describe())
                .await?,
        )),
    }
}

impl DatabaseUrl {
    /// Whether two URLs name the same database (the same file, or the same PostgreSQL
    /// host, port and database).
    pub fn same_database(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Sqlite(a), Self::Sqlite(b)) => {
                let canonical =
                    |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
                canonical(a) == canonical(b)
            }
            (Self::Postgres(_), Self::Postgres(_)) => self.describe() == other.describe(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        let dir = Path::new("/data");
        assert!(matches!(
            DatabaseUrl::parse(None, dir),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/data/quietlist.sqlite3")
        ));
        assert!(matches!(
            DatabaseUrl::parse(Some("  "), dir),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse(Some("sqlite:///var/lib/q.db"), dir),
            Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/var/lib/q.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse(Some("postgres://u:p@db:5432/q?sslmode=require"), dir),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(DatabaseUrl::parse(Some("sqlite://"), dir).is_err());
    }

    #[test]
    fn a_bad_url_is_refused_without_echoing_its_password() {
        let err = DatabaseUrl::parse(Some("mysql://root:hunter2@db/q"), Path::new("/d"))
            .err()
            .unwrap_or_default();
        assert!(err.contains("\"mysql\""), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn descriptions_leave_the_password_out() {
        let url = DatabaseUrl::parse(
            Some("postgres://u:hunter2@db.internal:6432/q"),
            Path::new("/"),
        )
        .unwrap_or(DatabaseUrl::Sqlite(PathBuf::new()));
        let text = url.describe();
        assert_eq!(text, "PostgreSQL at db.internal:6432/q");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn a_password_with_a_slash_stays_out_of_the_description() {
        // The `url` crate reads `u:1234/hunter2@db...` as host `u`, port 1234 and a path
        // that holds the rest of the password; the connection (tokio-postgres) reads
        // user `u`, password `1234/hunter2`, host `db.internal`.
        for raw in [
            "postgres://u:1234/hunter2@db.internal:6432/q",
            "postgres://u:1234/hunter2@db.internal:6432/q?sslmode=disable",
        ] {
            let url = DatabaseUrl::parse(Some(raw), Path::new("/"))
                .unwrap_or(DatabaseUrl::Sqlite(PathBuf::new()));
            let text = url.describe();
            assert!(!text.contains("hunter2"), "{text}");
            assert_eq!(text, "PostgreSQL at db.internal:6432/q");
        }
    }
}
