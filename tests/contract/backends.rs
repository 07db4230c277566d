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
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Database { admin_url: String, name: String },
}

/// The admin URL of a PostgreSQL server the tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "QUIETLIST_TEST_POSTGRES_URL";
/// Set to 1 (scripts/test does) to fail, not skip, when no PostgreSQL server is given.
pub const REQUIRE_POSTGRES_VAR: &str = "QUIETLIST_REQUIRE_POSTGRES";

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

/// The admin URL, or `None` (with a notice) when PostgreSQL tests are to be skipped.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") => panic!(
            "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set: \
             run the tests through scripts/postgres-for-tests"
        ),
        _ => {
            eprintln!(
                "skipped on PostgreSQL: {POSTGRES_URL_VAR} is not set \
                 (scripts/postgres-for-tests run cargo test ...)"
            );
            None
        }
    }
}

/// Creates a database of its own on the test server and returns its URL.
pub async fn create_postgres_database(admin_url: &str) -> (String, String) {
    let name = format!("ql_{}", hex::encode(rand::random::<[u8; 8]>()));
    let client = admin(admin_url).await;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let mut url = url::Url::parse(admin_url).expect("the admin URL parses");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

/// Drops a test's database (whatever is still connected to it).
pub async fn drop_postgres_database(admin_url: &str, name: &str) {
    let client = admin(admin_url).await;
    if let Err(e) = client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
    {
        eprintln!("could not drop the test database {name}: {e}");
    }
}

async fn admin(admin_url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {POSTGRES_URL_VAR}: {e}"));
    tokio::spawn(connection);
    client
}

pub async fn open_postgres() -> Option<(Arc<dyn Store>, Guard)> {
    let admin_url = postgres_admin_url()?;
    let (url, name) = create_postgres_database(&admin_url).await;
    let mut settings = settings();
    settings.url = Some(SecretString::from(url));
    let data_dir = std::env::temp_dir();
    let store = match quietlist::store::open(&settings, &data_dir).await {
        Ok(store) => store,
        Err(e) => {
            drop_postgres_database(&admin_url, &name).await;
            panic!("the PostgreSQL store did not open: {e:#}");
        }
    };
    Some((store, Guard::Database { admin_url, name }))
}

pub async fn close(guard: Guard) {
    match guard {
        Guard::Dir(dir) => drop(dir),
        Guard::Database { admin_url, name } => drop_postgres_database(&admin_url, &name).await,
    }
}
