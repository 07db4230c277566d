//! The integration tests: one binary, the real app, a real SMTP server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/smtp_sink.rs"]
mod smtp_sink;

#[path = "../support/postgres.rs"]
mod pg;

mod abuse;
mod announce;
mod announce_web;
mod api_v1;
mod architecture;
mod authoring;
mod bad_input;
mod confirm;
mod db_copy;
mod dev_mailbox;
mod dkim;
mod durability;
mod embed;
mod found;
mod hardening;
mod helpers;
mod holes;
mod i18n;
mod netns;
mod news;
mod nodes;
mod operations;
mod ops_backup;
mod ops_cli;
mod ops_config;
mod ops_metrics;
mod ops_support;
mod outage;
mod owner;
mod pages;
mod postgres;
mod promise;
mod reading;
mod roles;
mod signup;
mod timing;
mod undeliverable;
mod webhooks;
