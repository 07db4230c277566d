//! Locks that hold across nodes: PostgreSQL advisory locks, taken for the rest of the
//! transaction (released by COMMIT or ROLLBACK, also when a node dies: its connection
//! ends and its transaction with it).
//!
//! On SQLite one writer runs every write in turn; here the rules that protect a person
//! or a seat need their own serialisation. A lock names a class and a 32-bit key (the
//! two-key form, so it never meets the one-key lock the migrations take); two unrelated
//! keys that collide only wait for each other, which costs time, never correctness.

use sha2::{Digest, Sha256};

use super::db::{Tx, exec, one};
use crate::store::StoreResult;

#[derive(Debug, Clone, Copy)]
#[repr(i32)]
pub enum LockClass {
    /// One address (its keyed hash): the confirmation interval, the cap, the one
    /// manage link a day, erasure against a re-add.
    Address = 1,
    /// One list's line: numbering confirmations and inviting from it.
    Line = 2,
    /// One key of the sign-in back-off.
    Login = 3,
    /// The key check row.
    KeyCheck = 4,
}

/// A 32-bit key for arbitrary bytes.
pub fn key_of(bytes: &[u8]) -> i32 {
    let digest = Sha256::digest(bytes);
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Waits for the lock (bounded by `lock_timeout`, which answers `Locked`).
pub async fn lock(tx: &Tx<'_>, class: LockClass, key: i32) -> StoreResult<()> {
    exec(
        tx,
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&(class as i32), &key],
        "waiting for a lock",
    )
    .await?;
    Ok(())
}

/// Takes the lock if no other transaction holds it; false if one does.
pub async fn try_lock(tx: &Tx<'_>, class: LockClass, key: i32) -> StoreResult<bool> {
    let row = one(
        tx,
        "SELECT pg_try_advisory_xact_lock($1, $2)",
        &[&(class as i32), &key],
        "trying a lock",
    )
    .await?;
    super::db::col(&row, 0)
}

/// Locks the address behind a keyed hash.
pub async fn lock_address(tx: &Tx<'_>, email_index: &[u8]) -> StoreResult<()> {
    lock(tx, LockClass::Address, key_of(email_index)).await
}

/// Locks a list's line.
pub async fn lock_line(tx: &Tx<'_>, list: &str) -> StoreResult<()> {
    lock(tx, LockClass::Line, key_of(list.as_bytes())).await
}
