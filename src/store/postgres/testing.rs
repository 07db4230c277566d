//! For test suites: a new, empty database on a server, so that every test has its own.

use anyhow::Context;

/// Creates an empty database on the server `admin_url` names (as a role that may create
/// databases) and returns a URL for it.
pub async fn fresh_database(admin_url: &str) -> anyhow::Result<String> {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .context("connecting to the test PostgreSQL server")?;
    let task = tokio::spawn(connection);
    let name = format!("ql_test_{:016x}", rand::random::<u64>());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .context("creating a test database")?;
    drop(client);
    let _ = task.await;
    let mut url = url::Url::parse(admin_url).context("reading the test server's URL")?;
    url.set_path(&name);
    Ok(url.to_string())
}
