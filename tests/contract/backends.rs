//! A fresh store of each backend for one test, opened through `quietlist::store::open`
//! as a node would open it.

use std::future::Future;
use std::sync::Arc;

use quietlist::store::sqlite::Durability;
use quietlist::store::{DatabaseSettings, Store};
use secrecy::SecretString;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What keeps a test's database alive, and removes it afterwards.
pub enum Guard {
    Dir(tempfile::TempDir),
    Database { admin_url: String, name: String },
}

pub use crate::pg::admin_url as postgres_admin_url;

/// Runs `test` on a fresh store of `backend`; a PostgreSQL test without a server prints
/// why it did nothing, or fails when `QUIETLIST_REQUIRE_POSTGRES=1`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some((store, guard)) = open(backend).await else {
        return;
    };
    test(store).await;
    close(guard).await;
}

/// A fresh store, or `None` when the backend is not available here (PostgreSQL without
/// a server, and not required).
pub async fn open(backend: Backend) -> Option<(Arc<dyn Store>, Guard)> {
    match backend {
        Backend::Sqlite => Some(open_sqlite().await),
        Backend::Postgres => open_postgres().await,
    }
}

fn settings() -> DatabaseSettings {
    let mut settings = DatabaseSettings::default();
    // The contract is about what is stored, not about fsync (tests/api/durability.rs).
    settings.sqlite.durability = Durability::Normal;
    settings.postgres.pool_size = 8;
    settings
}

pub async fn open_sqlite() -> (Arc<dyn Store>, Guard) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = quietlist::store::open(&settings(), dir.path())
        .await
        .expect("SQLite opens");
    (store, Guard::Dir(dir))
}

pub async fn open_postgres() -> Option<(Arc<dyn Store>, Guard)> {
    let admin_url = postgres_admin_url()?;
    let (url, name) = crate::pg::create_database(&admin_url).await;
    crate::pg::answer_before_flush(&admin_url, &name).await;
    match open_postgres_url(&url).await {
        Ok(store) => Some((store, Guard::Database { admin_url, name })),
        Err(e) => {
            crate::pg::drop_database(&admin_url, &name).await;
            panic!("the PostgreSQL store did not open: {e:#}");
        }
    }
}

/// A store on an existing PostgreSQL database.
pub async fn open_postgres_url(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let mut settings = settings();
    settings.url = Some(SecretString::from(url.to_owned()));
    quietlist::store::open(&settings, &std::env::temp_dir()).await
}

pub async fn close(guard: Guard) {
    match guard {
        Guard::Dir(dir) => drop(dir),
        Guard::Database { admin_url, name } => crate::pg::drop_database(&admin_url, &name).await,
    }
}
