//! Connecting: the URL (libpq's names), TLS, the pool and its timeouts.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;

/// Settings for the PostgreSQL store. Every wait is bounded, so that a node cut off from
/// the database answers 503 within a few seconds instead of hanging.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Connections this node keeps open at most.
    pub pool_size: usize,
    /// How long a request waits for a free connection.
    pub wait_timeout: Duration,
    /// How long making a connection may take (unless the URL sets `connect_timeout`).
    pub connect_timeout: Duration,
    /// The server cancels a statement that runs longer (`statement_timeout`).
    pub statement_timeout: Duration,
    /// The server gives up waiting for a lock after this long (`lock_timeout`).
    pub lock_timeout: Duration,
    /// One whole transaction, retries included, measured by this node: past it the
    /// answer is `Unavailable`, whatever the network does.
    pub operation_timeout: Duration,
    /// For the owner's long jobs (import, retention, the start of an export).
    pub long_operation_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            pool_size: 16,
            wait_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(8),
            long_operation_timeout: Duration::from_secs(120),
        }
    }
}

/// Parses a `postgres://` URL (or a libpq `key=value` string). Beyond what
/// tokio-postgres reads, `sslrootcert=FILE` adds a CA (PEM) to trust, and `sslmode`
/// `verify-ca`/`verify-full` mean `require`: with TLS, the server's certificate is always
/// verified (against the web's roots and `sslrootcert`), unlike libpq's `require`.
pub fn parse_url(url: &str, options: &PostgresOptions) -> anyhow::Result<ParsedUrl> {
    let (url, root_cert) = split_libpq_extras(url)?;
    let mut config = tokio_postgres::Config::from_str(&url)
        .context("reading the PostgreSQL URL (postgres://user:password@host:port/database)")?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if config.get_tcp_user_timeout().is_none() {
        // Unacknowledged data for this long ends the connection (a cut cable), instead of
        // TCP's retransmissions for a quarter of an hour.
        config.tcp_user_timeout(options.operation_timeout);
    }
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(10));
    config.keepalives_interval(Duration::from_secs(2));
    config.keepalives_retries(3);
    // A node cut off in the middle of a transaction leaves it open on the server with
    // its locks (a list's line lock stops every confirmation on every node): the server
    // ends such a transaction soon after the node's own limit has given up on it.
    let session = format!(
        "-c statement_timeout={} -c lock_timeout={} -c idle_in_transaction_session_timeout={}",
        options.statement_timeout.as_millis(),
        options.lock_timeout.as_millis(),
        (options.operation_timeout * 2).as_millis()
    );
    let combined = match config.get_options() {
        Some(own) if !own.is_empty() => format!("{own} {session}"),
        _ => session,
    };
    config.options(&combined);
    if config.get_application_name().is_none() {
        config.application_name("quietlist");
    }
    Ok(ParsedUrl { config, root_cert })
}

/// For logs, errors, the audit log and `db copy`'s report: the host, port and database
/// as the connection itself reads them (tokio-postgres's parser, not the `url` crate's:
/// the two split an unescaped `/` in a password differently, and the `url` crate's
/// reading put part of the password in the "path"). Never the user or the password.
pub fn describe_url(url: &str) -> Option<String> {
    use tokio_postgres::config::Host;
    let (url, _) = split_libpq_extras(url).ok()?;
    let config = tokio_postgres::Config::from_str(&url).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "(socket)".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or("");
    Some(format!("PostgreSQL at {host}:{port}/{database}"))
}

pub struct ParsedUrl {
    pub config: tokio_postgres::Config,
    pub root_cert: Option<String>,
}

/// Takes out of a URL what tokio-postgres does not read itself.
fn split_libpq_extras(url: &str) -> anyhow::Result<(String, Option<String>)> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Ok((url.to_owned(), None));
    }
    let mut parsed = url::Url::parse(url).context("reading the PostgreSQL URL")?;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("sslrootcert", file) => root_cert = Some(file.to_owned()),
            ("sslmode", "verify-ca" | "verify-full") => {
                kept.push(("sslmode".to_owned(), "require".to_owned()))
            }
            (k, v) => kept.push((k.to_owned(), v.to_owned())),
        }
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((parsed.to_string(), root_cert))
}

/// The pool: every connection made with the same settings, and bounded waits.
pub fn pool(parsed: ParsedUrl, options: &PostgresOptions) -> anyhow::Result<Pool> {
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match parsed.config.get_ssl_mode() {
        SslMode::Disable => {
            Manager::from_config(parsed.config, tokio_postgres::NoTls, manager_config)
        }
        _ => {
            let tls = tls_config(parsed.root_cert.as_deref())?;
            Manager::from_config(
                parsed.config,
                tokio_postgres_rustls::MakeRustlsConnect::new(tls),
                manager_config,
            )
        }
    };
    Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.connect_timeout))
        .recycle_timeout(Some(options.wait_timeout))
        .build()
        .context("building the PostgreSQL connection pool")
}

fn tls_config(root_cert: Option<&str>) -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(file) = root_cert {
        for cert in CertificateDer::pem_file_iter(file)
            .with_context(|| format!("reading sslrootcert {file}"))?
        {
            let cert = cert.with_context(|| format!("reading a certificate in {file}"))?;
            roots
                .add(cert)
                .with_context(|| format!("trusting a certificate of {file}"))?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("setting up TLS")?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_takes_libpq_names_and_our_timeouts() {
        let parsed = parse_url(
            "postgres://ql:secret@db.example:5433/quietlist?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=node1",
            &PostgresOptions::default(),
        )
        .unwrap();
        assert_eq!(parsed.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(parsed.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(parsed.config.get_dbname(), Some("quietlist"));
        assert_eq!(parsed.config.get_application_name(), Some("node1"));
        assert_eq!(
            parsed.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        assert!(
            parsed
                .config
                .get_options()
                .unwrap()
                .contains("statement_timeout=5000")
        );
        assert!(
            parsed
                .config
                .get_options()
                .unwrap()
                .contains("idle_in_transaction_session_timeout=16000"),
            "a transaction left open by a node cut off ends soon on the server"
        );
    }

    #[test]
    fn disable_needs_no_tls_and_nonsense_is_refused() {
        let parsed = parse_url(
            "postgresql://ql@127.0.0.1:5432/q?sslmode=disable",
            &PostgresOptions::default(),
        )
        .unwrap();
        assert_eq!(parsed.config.get_ssl_mode(), SslMode::Disable);
        assert!(
            parse_url(
                "postgres://h/db?sslmode=sometimes",
                &PostgresOptions::default()
            )
            .is_err()
        );
        assert!(parse_url("postgres://h/db?nonsense=1", &PostgresOptions::default()).is_err());
    }
}
