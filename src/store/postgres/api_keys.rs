//! API keys: a lookup prefix and a SHA-256 per key, never the key.

use tokio_postgres::Row;

use super::db::{Tx, all, col, exec, opt};
use crate::store::{ApiKeyRow, Millis, NewApiKey, StoreResult};

fn key_row(r: &Row) -> StoreResult<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: col(r, 0)?,
        name: col(r, 1)?,
        lookup: col(r, 2)?,
        key_hash: col(r, 3)?,
        scopes: col(r, 4)?,
        created_at: col(r, 5)?,
        last_used_at: col(r, 6)?,
        created_by: col(r, 7)?,
    })
}

pub async fn create(tx: &Tx<'_>, key: &NewApiKey) -> StoreResult<bool> {
    let inserted = exec(
        tx,
        "INSERT INTO api_keys (name, lookup, key_hash, scopes, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            &key.name,
            &key.lookup,
            &&key.key_hash[..],
            &key.scopes,
            &key.created_at,
            &key.created_by,
        ],
        "saving an API key",
    )
    .await?;
    Ok(inserted > 0)
}

pub async fn list(tx: &Tx<'_>) -> StoreResult<Vec<ApiKeyRow>> {
    all(
        tx,
        "SELECT id, name, lookup, key_hash, scopes, created_at, last_used_at, created_by
         FROM api_keys ORDER BY name",
        &[],
        "listing API keys",
    )
    .await?
    .iter()
    .map(key_row)
    .collect()
}

pub async fn revoke(tx: &Tx<'_>, name: &str) -> StoreResult<bool> {
    Ok(exec(
        tx,
        "DELETE FROM api_keys WHERE name = $1",
        &[&name],
        "revoking an API key",
    )
    .await?
        > 0)
}

pub async fn by_lookup(tx: &Tx<'_>, lookup: &str) -> StoreResult<Option<ApiKeyRow>> {
    opt(
        tx,
        "SELECT id, name, lookup, key_hash, scopes, created_at, last_used_at, created_by
         FROM api_keys WHERE lookup = $1",
        &[&lookup],
        "reading an API key",
    )
    .await?
    .as_ref()
    .map(key_row)
    .transpose()
}

pub async fn used(tx: &Tx<'_>, id: i64, now: Millis) -> StoreResult<()> {
    exec(
        tx,
        "UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
        &[&id, &now],
        "marking an API key used",
    )
    .await?;
    Ok(())
}
