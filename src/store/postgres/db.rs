//! Small helpers over a transaction: every statement is prepared once per connection
//! (the pool's statement cache) and every error says what was being done.

use deadpool_postgres::Transaction;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

use super::errors::PgContext;
use crate::store::StoreResult;

pub type Tx<'a> = Transaction<'a>;
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub async fn one(
    tx: &Tx<'_>,
    sql: &str,
    params: Params<'_>,
    what: &'static str,
) -> StoreResult<Row> {
    let st = tx.prepare_cached(sql).await.sql(what)?;
    tx.query_one(&st, params).await.sql(what)
}

pub async fn opt(
    tx: &Tx<'_>,
    sql: &str,
    params: Params<'_>,
    what: &'static str,
) -> StoreResult<Option<Row>> {
    let st = tx.prepare_cached(sql).await.sql(what)?;
    tx.query_opt(&st, params).await.sql(what)
}

pub async fn all(
    tx: &Tx<'_>,
    sql: &str,
    params: Params<'_>,
    what: &'static str,
) -> StoreResult<Vec<Row>> {
    let st = tx.prepare_cached(sql).await.sql(what)?;
    tx.query(&st, params).await.sql(what)
}

/// Runs a statement; how many rows it touched.
pub async fn exec(
    tx: &Tx<'_>,
    sql: &str,
    params: Params<'_>,
    what: &'static str,
) -> StoreResult<u64> {
    let st = tx.prepare_cached(sql).await.sql(what)?;
    tx.execute(&st, params).await.sql(what)
}

/// Column `i` of a row, as `T`.
pub fn col<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> StoreResult<T> {
    row.try_get(i).sql("decoding a row")
}
