//! What the store keeps of an API key: never the key, only a lookup prefix and a hash.

use super::Millis;

/// A key to record. `key_hash` is the SHA-256 of the whole key; `lookup` its first
/// characters (not secret), which find the row.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub lookup: String,
    pub key_hash: [u8; 32],
    /// Comma-separated scope names.
    pub scopes: String,
    pub created_at: Millis,
    /// The admin account that made it; `None` when made at the command line.
    pub created_by: Option<i64>,
}

/// A recorded key.
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub lookup: String,
    pub key_hash: Vec<u8>,
    pub scopes: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    /// The admin account that made it (the key works only while that account is an
    /// owner); `None` when made at the command line, by whoever holds the data folder.
    pub created_by: Option<i64>,
}
