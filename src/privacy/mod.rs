//! The promise, in code: encryption at rest, blind indexes, link tokens.

pub mod audit;
mod feistel;
pub mod keys;
pub mod self_service;
pub mod vault;

pub use vault::{MasterKey, SealedKind, SealedPerson, Vault, VaultError};
