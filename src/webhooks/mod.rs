//! Webhooks: the signed POST of each delivery the store queued with its event, retried
//! with backoff (see [`worker::WebhookWorker`]).

pub mod body;
pub mod signature;
pub mod worker;

pub use worker::WebhookWorker;
