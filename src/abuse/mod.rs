//! Abuse resistance: per-network limits, form stamps, proof of work, throwaway domains
//! and the address normalisation used to count referrals. Pure logic; the HTTP wiring
//! is in `http::rate_limit` and `http::signup`.

pub mod limits;
pub mod table;
