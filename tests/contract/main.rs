//! The storage contract: what every `Store` promises, checked through the trait alone and
//! run against each backend. Every test is written once, as `async fn name(store)`, and
//! the `contract!` macro instantiates it as `MODULE::sqlite::name` (a fresh database in a
//! temporary folder) and `MODULE::postgres::name` (a fresh database on the server named by
//! `QUIETLIST_TEST_POSTGRES_URL`; see scripts/postgres-for-tests). The expected behaviour
//! is today's SQLite behaviour, which the black-box tests in tests/api/ rely on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// `contract! { test_a, test_b }` inside a module defines `sqlite::test_a`,
/// `postgres::test_a`, ... each running `super::test_a` on a fresh store of that backend.
macro_rules! contract {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    crate::backends::run(crate::backends::Backend::Sqlite, super::$test).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    crate::backends::run(crate::backends::Backend::Postgres, super::$test).await;
                }
            )+
        }
    };
}

#[path = "../support/postgres.rs"]
mod pg;

mod announce;
mod backends;
mod cohorts;
mod fixtures;
mod lists;
mod mail;
mod owner;
mod privacy;
mod property;
mod roles;
mod signup;
mod undeliverable;
