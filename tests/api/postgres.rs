//! A PostgreSQL database of a test's own, on the server the test command provides
//! (`QUIETLIST_TEST_POSTGRES_URL`, an admin URL). Without it, PostgreSQL tests say so
//! and pass, unless `QUIETLIST_REQUIRE_POSTGRES=1`.

use std::sync::atomic::{AtomicU32, Ordering};

pub const ADMIN_URL_VAR: &str = "QUIETLIST_TEST_POSTGRES_URL";

/// A database made with `CREATE DATABASE` and dropped when the value is.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

/// The admin URL, or `None` after a notice (a failure when PostgreSQL is required).
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(ADMIN_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("QUIETLIST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: QUIETLIST_REQUIRE_POSTGRES=1 but {ADMIN_URL_VAR} is not set"
            );
            eprintln!("NOTICE {test}: {ADMIN_URL_VAR} is not set; its PostgreSQL part is skipped");
            None
        }
    }
}

/// Runs SQL through `psql` as the admin.
pub fn psql(admin_url: &str, sql: &str) -> String {
    let out = std::process::Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("a PostgreSQL URL");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

impl TestDatabase {
    /// A new empty database named after the test, or `None` without PostgreSQL.
    pub async fn create(test: &str) -> Option<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url = admin_url(test)?;
        let name = format!(
            "ql_{test}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        psql(&admin_url, &format!("CREATE DATABASE {name}"));
        Some(Self {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([
                self.admin_url.as_str(),
                "-qAtc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}
