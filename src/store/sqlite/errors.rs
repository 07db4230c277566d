//! SQLite errors, sorted into the cases callers act on.

use rusqlite::ErrorCode;

use crate::store::StoreError;

pub fn map_sqlite_error(e: rusqlite::Error) -> StoreError {
    let mapped = sort_sqlite_error(e);
    crate::metrics::database_error("sqlite", &mapped);
    mapped
}

fn sort_sqlite_error(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull,
        // Writes to a full disk surface as I/O errors too (the WAL grows by write()).
        Some(ErrorCode::SystemIoFailure) if is_out_of_space(&e) => StoreError::DiskFull,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked,
        _ => StoreError::Internal(anyhow::Error::new(e)),
    }
}

fn is_out_of_space(e: &rusqlite::Error) -> bool {
    // SQLITE_IOERR_WRITE (778), SQLITE_IOERR_FSYNC (1034), SQLITE_IOERR_TRUNCATE (1546)
    // and SQLITE_IOERR_SHMSIZE (4874) are what a full tmpfs or disk produces.
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.extended_code, 778 | 1034 | 1546 | 4874)
    )
}

/// Wraps any rusqlite error as an internal one, for `?` inside store code.
pub trait SqlContext<T> {
    fn sql(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn sql(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| match map_sqlite_error(e) {
            StoreError::Internal(inner) => StoreError::Internal(inner.context(what)),
            other => other,
        })
    }
}
