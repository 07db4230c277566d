//! A database of its own for each test on the PostgreSQL server named by
//! `QUIETLIST_TEST_POSTGRES_URL` (an admin URL; scripts/postgres-for-tests starts one).
//! Shared by the contract suite and the api suite.

#![allow(dead_code)]

/// The admin URL of a PostgreSQL server the tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "QUIETLIST_TEST_POSTGRES_URL";
/// Set to 1 (scripts/test does) to fail, not skip, when no PostgreSQL server is given.
pub const REQUIRE_POSTGRES_VAR: &str = "QUIETLIST_REQUIRE_POSTGRES";

/// The admin URL, or `None` (with a notice) when PostgreSQL tests are to be skipped;
/// panics when they are required (`QUIETLIST_REQUIRE_POSTGRES=1`): CI never skips them.
pub fn admin_url() -> Option<String> {
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

/// Creates a fresh database `ql_<random>`; its URL and name.
/// FILE_COPY: 0.24 s here against 1.37 s for the default WAL_LOG, which writes every
/// block of the template to the WAL.
pub async fn create_database(admin_url: &str) -> (String, String) {
    let name = format!("ql_{}", hex::encode(rand::random::<[u8; 8]>()));
    let client = connect(admin_url).await;
    client
        .batch_execute(&format!("CREATE DATABASE {name} STRATEGY FILE_COPY"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let mut url = url::Url::parse(admin_url).expect("the admin URL parses");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

/// The same from synchronous code (or from inside a runtime), on a thread of its own.
pub fn create_database_blocking(admin_url: &str) -> (String, String) {
    let admin_url = admin_url.to_owned();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(create_database(&admin_url))
    })
    .join()
    .expect("creating a test database")
}

/// Drops a test's database, whatever is still connected to it.
pub async fn drop_database(admin_url: &str, name: &str) {
    let client = connect(admin_url).await;
    if let Err(e) = client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
    {
        eprintln!("could not drop the test database {name}: {e}");
    }
}

async fn connect(admin_url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {POSTGRES_URL_VAR}: {e}"));
    tokio::spawn(connection);
    client
}

/// Empties every table of the database at `url` but the migrations' own, and restarts
/// its sequences: a fresh database's state without the cost of making one. DELETE, not
/// TRUNCATE (which makes new files for every table and index: 0.1 to 0.4 s each time),
/// with foreign keys set aside for the moment (the tables are emptied in any order).
pub async fn empty_database(url: &str) {
    let client = connect(url).await;
    client
        .batch_execute(
            "DO $$ DECLARE r record; BEGIN
                 PERFORM set_config('session_replication_role', 'replica', true);
                 FOR r IN SELECT tablename FROM pg_tables
                          WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
                 LOOP
                     EXECUTE format('DELETE FROM %I', r.tablename);
                 END LOOP;
                 FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()
                 LOOP
                     PERFORM setval(format('%I', r.sequencename), 1, false);
                 END LOOP;
             END $$",
        )
        .await
        .unwrap_or_else(|e| panic!("emptying a test database: {e}"));
}

/// For a database whose tests check what is stored, not what survives a crash: commits
/// answer before their WAL reaches the disk (`synchronous_commit = off`; the server keeps
/// fsync on, so it never corrupts). The crash tests of tests/api use databases without it.
pub async fn answer_before_flush(admin_url: &str, name: &str) {
    connect(admin_url)
        .await
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ))
        .await
        .unwrap_or_else(|e| panic!("ALTER DATABASE {name}: {e}"));
}
