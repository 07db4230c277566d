//! The check value of the secret key the data was written with.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use crate::store::{KeyCheck, Millis, StoreResult};

pub fn check_key(conn: &Connection, fingerprint: &str, now: Millis) -> StoreResult<KeyCheck> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT fingerprint FROM key_check WHERE id = 1")
        .and_then(|mut st| st.query_row([], |r| r.get(0)).optional())
        .sql("reading the key check value")?;
    let outcome = match stored {
        Some(stored) if stored == fingerprint => return Ok(KeyCheck::Matches),
        Some(_) if holds_keyed_data(conn)? => return Ok(KeyCheck::Differs),
        Some(_) => KeyCheck::Replaced,
        None => KeyCheck::Recorded,
    };
    conn.prepare_cached(
        "INSERT INTO key_check (id, fingerprint, recorded_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
             recorded_at = excluded.recorded_at",
    )
    .and_then(|mut st| st.execute(params![fingerprint, now]))
    .sql("recording the key check value")?;
    Ok(outcome)
}

/// Whether anything sealed or keyed with the secret key is stored: people, owners,
/// suppressed address hashes, consent records.
fn holds_keyed_data(conn: &Connection) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM subscribers) OR EXISTS (SELECT 1 FROM admins)
             OR EXISTS (SELECT 1 FROM suppressions) OR EXISTS (SELECT 1 FROM consent_records)",
    )
    .and_then(|mut st| st.query_row([], |r| r.get(0)))
    .sql("looking for data written with the key")
}
