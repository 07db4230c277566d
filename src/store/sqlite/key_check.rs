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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_recorded_kept_refused_over_data_and_replaced_without() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::connection::migrate(&mut conn).unwrap();
        assert_eq!(check_key(&conn, "aa", 1).unwrap(), KeyCheck::Recorded);
        assert_eq!(check_key(&conn, "aa", 2).unwrap(), KeyCheck::Matches);
        // Nothing written with "aa" yet: another key may take its place.
        assert_eq!(check_key(&conn, "bb", 3).unwrap(), KeyCheck::Replaced);
        conn.execute(
            "INSERT INTO admins (email_index, email_sealed, password_hash, created_at, updated_at)
             VALUES (x'00', x'00', 'h', 4, 4)",
            [],
        )
        .unwrap();
        assert_eq!(check_key(&conn, "cc", 5).unwrap(), KeyCheck::Differs);
        // Refusing changed nothing.
        assert_eq!(check_key(&conn, "bb", 6).unwrap(), KeyCheck::Matches);
    }
}
