//! PostgreSQL errors, sorted into the cases callers act on: transient causes (the
//! database unreachable, shutting down, out of disk, a lock held too long) become the
//! variants that answer 503; everything else is `Internal`, with what was being done.

use std::error::Error as _;

use tokio_postgres::error::SqlState;

use crate::store::StoreError;

pub fn map_pg_error(e: tokio_postgres::Error) -> StoreError {
    let mapped = sort_pg_error(e);
    crate::metrics::database_error("postgres", &mapped);
    mapped
}

fn sort_pg_error(e: tokio_postgres::Error) -> StoreError {
    if let Some(code) = e.code() {
        return match code.code() {
            c if c.starts_with("08") => StoreError::Unavailable,
            // Shut down by an administrator, a crash, starting up; a standby after a
            // failover; too many connections; a statement cancelled by its timeout.
            "57P01" | "57P02" | "57P03" | "25006" | "53300" | "57014" => StoreError::Unavailable,
            "53100" => StoreError::DiskFull,
            // A lock not granted in lock_timeout; a deadlock or a serialization failure
            // that outlived the retries.
            "55P03" | "40P01" | "40001" => StoreError::Locked,
            _ if *code == SqlState::OUT_OF_MEMORY => StoreError::Unavailable,
            _ => StoreError::Internal(anyhow::Error::new(e)),
        };
    }
    // No SQLSTATE: the connection itself failed (refused, reset, timed out, closed).
    if e.is_closed() || is_io(&e) || is_connection_failure(&e) {
        StoreError::Unavailable
    } else {
        StoreError::Internal(anyhow::Error::new(e))
    }
}

fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut source = e.source();
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// tokio-postgres does not expose its error kinds; these are its messages for a
/// connection that could not be made or was lost.
fn is_connection_failure(e: &tokio_postgres::Error) -> bool {
    let text = e.to_string();
    [
        "error connecting",
        "timeout",
        "error communicating",
        "connection closed",
    ]
    .iter()
    .any(|m| text.contains(m))
}

pub fn map_pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => map_pg_error(e),
        // Waiting for a connection, making one, checking one: the database is
        // unreachable or every connection is busy. Either way, later may work.
        other => {
            tracing::warn!(error = %other, "no database connection");
            crate::metrics::database_error("postgres", &StoreError::Unavailable);
            StoreError::Unavailable
        }
    }
}

/// Wraps a PostgreSQL error with what was being done, for `?` inside store code.
pub trait PgContext<T> {
    fn sql(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> PgContext<T> for Result<T, tokio_postgres::Error> {
    fn sql(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| match map_pg_error(e) {
            StoreError::Internal(inner) => StoreError::Internal(inner.context(what)),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_are_transient() {
        let e = deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Wait);
        assert!(map_pool_error(e).is_transient());
        assert!(map_pool_error(deadpool_postgres::PoolError::Closed).is_transient());
    }
}
