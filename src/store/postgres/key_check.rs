//! The check value of the secret key the data was written with. Nodes starting together
//! with the same key each find `Matches` or `Recorded`, never two different values: the
//! check takes its own lock.

use super::db::{Tx, col, exec, one, opt};
use super::locks::{LockClass, lock};
use crate::store::{KeyCheck, Millis, StoreResult};

pub async fn check_key(tx: &Tx<'_>, fingerprint: &str, now: Millis) -> StoreResult<KeyCheck> {
    lock(tx, LockClass::KeyCheck, 1).await?;
    let stored = opt(
        tx,
        "SELECT fingerprint FROM key_check WHERE id = 1",
        &[],
        "reading the key check value",
    )
    .await?
    .map(|r| col::<String>(&r, 0))
    .transpose()?;
    let outcome = match stored {
        Some(stored) if stored == fingerprint => return Ok(KeyCheck::Matches),
        Some(_) if holds_keyed_data(tx).await? => return Ok(KeyCheck::Differs),
        Some(_) => KeyCheck::Replaced,
        None => KeyCheck::Recorded,
    };
    exec(
        tx,
        "INSERT INTO key_check (id, fingerprint, recorded_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
             recorded_at = EXCLUDED.recorded_at",
        &[&fingerprint, &now],
        "recording the key check value",
    )
    .await?;
    Ok(outcome)
}

async fn holds_keyed_data(tx: &Tx<'_>) -> StoreResult<bool> {
    let row = one(
        tx,
        "SELECT EXISTS (SELECT 1 FROM subscribers) OR EXISTS (SELECT 1 FROM admins)
             OR EXISTS (SELECT 1 FROM suppressions) OR EXISTS (SELECT 1 FROM consent_records)",
        &[],
        "looking for data written with the key",
    )
    .await?;
    col(&row, 0)
}
