//! quietlist: a self-hosted publishing and waitlist server.
//!
//! The layers point one way: `http` -> use cases (`waitlist`, `privacy`, `mail`) ->
//! `domain`, and use cases -> `store` through the `Store` trait.

pub mod abuse;
pub mod admin;
pub mod cli;
pub mod config;
pub mod domain;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod privacy;
pub mod publish;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod waitlist;
pub mod webhooks;
