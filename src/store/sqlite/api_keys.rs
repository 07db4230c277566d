//! API keys: a lookup prefix and a SHA-256 per key, never the key.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::errors::SqlContext;
use crate::store::{ApiKeyRow, Millis, NewApiKey, StoreResult};

const COLUMNS: &str = "id, name, lookup, key_hash, scopes, created_at, last_used_at, created_by";

fn key_row(r: &Row<'_>) -> rusqlite::Result<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        lookup: r.get(2)?,
        key_hash: r.get(3)?,
        scopes: r.get(4)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
        created_by: r.get(7)?,
    })
}

pub fn create(conn: &Connection, key: &NewApiKey) -> StoreResult<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO api_keys (name, lookup, key_hash, scopes, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut st| {
            st.execute(params![
                key.name,
                key.lookup,
                &key.key_hash[..],
                key.scopes,
                key.created_at,
                key.created_by
            ])
        })
        .sql("saving an API key")?;
    Ok(inserted > 0)
}

pub fn all(conn: &Connection) -> StoreResult<Vec<ApiKeyRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY name"))
        .and_then(|mut st| st.query_map([], key_row)?.collect())
        .sql("listing API keys")
}

pub fn revoke(conn: &Connection, name: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM api_keys WHERE name = ?1")
        .and_then(|mut st| st.execute([name]))
        .sql("revoking an API key")?
        > 0)
}

pub fn by_lookup(conn: &Connection, lookup: &str) -> StoreResult<Option<ApiKeyRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE lookup = ?1"))
        .and_then(|mut st| st.query_row([lookup], key_row).optional())
        .sql("reading an API key")
}

pub fn used(conn: &Connection, id: i64, now: Millis) -> StoreResult<()> {
    conn.prepare_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![id, now]))
        .sql("marking an API key used")?;
    Ok(())
}
