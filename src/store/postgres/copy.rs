//! PostgreSQL's side of `db copy` (see `store::copy`): one connection of its own, without
//! the request timeouts (a large table takes longer than a request), reading in one
//! REPEATABLE READ snapshot and writing in one transaction with multi-row inserts.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use futures_util::{StreamExt, pin_mut};
use tokio::sync::{Mutex, mpsc};
use tokio_postgres::types::ToSql;

use super::connection::{self, PostgresOptions};
use super::migrations;
use crate::store::copy::{
    BATCH_ROWS, ColumnType, CopyDatabase, Row, RowBatches, Table, Value, insert_sql, select_sql,
    type_mismatch,
};

type Client = deadpool_postgres::Object;

pub struct PostgresCopy {
    describe: String,
    client: Arc<Mutex<Client>>,
}

impl PostgresCopy {
    /// Connects, applies the migrations (under their advisory lock) and keeps one
    /// connection for the copy.
    pub async fn open(url: &str, describe: String) -> anyhow::Result<Self> {
        let options = PostgresOptions {
            pool_size: 1,
            ..PostgresOptions::default()
        };
        let pool = connection::pool(connection::parse_url(url, &options)?, &options)?;
        migrations::migrate(&pool).await?;
        let client = pool
            .get()
            .await
            .with_context(|| format!("connecting to {describe}"))?;
        client
            .batch_execute(
                "SET statement_timeout = 0; SET lock_timeout = 0; \
                 SET idle_in_transaction_session_timeout = 0",
            )
            .await
            .context("lifting the request timeouts for the copy")?;
        Ok(Self {
            describe,
            client: Arc::new(Mutex::new(client)),
        })
    }

    async fn batch(&self, sql: &str) -> anyhow::Result<()> {
        self.client
            .lock()
            .await
            .batch_execute(sql)
            .await
            .with_context(|| format!("{sql} on {}", self.describe))
    }
}

fn to_value(table: &Table, row: &tokio_postgres::Row, i: usize) -> anyhow::Result<Value> {
    let decoded = match table.columns.get(i).map(|c| c.ty) {
        Some(ColumnType::Int) => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Some(ColumnType::Text) => row
            .try_get::<_, Option<String>>(i)
            .map(|v| v.map(Value::Text)),
        Some(ColumnType::Bytes) => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map(|v| v.map(Value::Bytes)),
        None => return Err(type_mismatch(table, i, "an extra column")),
    };
    match decoded {
        Ok(value) => Ok(value.unwrap_or(Value::Null)),
        Err(e) => Err(type_mismatch(table, i, &e.to_string())),
    }
}

/// A cell as a parameter; NULL typed as its column.
fn to_param(value: Value, ty: ColumnType) -> Box<dyn ToSql + Sync + Send> {
    match (value, ty) {
        (Value::Int(i), _) => Box::new(i),
        (Value::Text(t), _) => Box::new(t),
        (Value::Bytes(b), _) => Box::new(b),
        (Value::Null, ColumnType::Int) => Box::new(None::<i64>),
        (Value::Null, ColumnType::Text) => Box::new(None::<String>),
        (Value::Null, ColumnType::Bytes) => Box::new(None::<Vec<u8>>),
    }
}

async fn stream_table(
    client: &Client,
    table: &'static Table,
    tx: &mpsc::Sender<anyhow::Result<Vec<Row>>>,
) -> anyhow::Result<()> {
    let rows = client
        .query_raw(&select_sql(table, " COLLATE \"C\""), Vec::<i64>::new())
        .await?;
    pin_mut!(rows);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = rows.next().await {
        let row = row?;
        let cells = (0..table.columns.len())
            .map(|i| to_value(table, &row, i))
            .collect::<anyhow::Result<Row>>()?;
        batch.push(cells);
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if tx.send(Ok(full)).await.is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch)).await;
    }
    Ok(())
}

#[async_trait]
impl CopyDatabase for PostgresCopy {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    async fn table_names(&self) -> anyhow::Result<Vec<String>> {
        let rows = self
            .client
            .lock()
            .await
            .query(
                "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = current_schema()",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(Into::into))
            .collect()
    }

    async fn column_names(&self, table: &'static Table) -> anyhow::Result<Vec<String>> {
        let rows = self
            .client
            .lock()
            .await
            .query(
                "SELECT column_name::TEXT FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1",
                &[&table.name],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(Into::into))
            .collect()
    }

    async fn count_rows(&self, table: &'static Table) -> anyhow::Result<u64> {
        let row = self
            .client
            .lock()
            .await
            .query_one(&format!("SELECT COUNT(*) FROM {}", table.name), &[])
            .await?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }

    async fn begin_read(&self) -> anyhow::Result<()> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
    }

    async fn read_table(&self, table: &'static Table) -> anyhow::Result<RowBatches> {
        let (tx, rx) = mpsc::channel(4);
        let client = self.client.clone().lock_owned().await;
        tokio::spawn(async move {
            if let Err(e) = stream_table(&client, table, &tx).await {
                let _ = tx
                    .send(Err(e.context(format!("reading {}", table.name))))
                    .await;
            }
        });
        Ok(rx)
    }

    async fn high_water(&self, table: &'static Table) -> anyhow::Result<Option<i64>> {
        let Some(id) = table.identity else {
            return Ok(None);
        };
        let row = self
            .client
            .lock()
            .await
            .query_one(
                &format!(
                    "SELECT GREATEST(
                        COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, $2)), 0),
                        COALESCE((SELECT MAX({id}) FROM {}), 0))",
                    table.name
                ),
                &[&table.name, &id],
            )
            .await
            .with_context(|| format!("reading the sequence of {}", table.name))?;
        Ok(Some(row.try_get(0)?))
    }

    async fn end_read(&self) -> anyhow::Result<()> {
        self.batch("COMMIT").await
    }

    async fn begin_write(&self) -> anyhow::Result<()> {
        self.batch("BEGIN").await
    }

    async fn write_rows(&self, table: &'static Table, rows: Vec<Row>) -> anyhow::Result<()> {
        let client = self.client.lock().await;
        let per_statement = (30_000 / table.columns.len().max(1)).clamp(1, BATCH_ROWS);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Row> = rows.by_ref().take(per_statement).collect();
            let sql = insert_sql(table, chunk.len(), |i| format!("${i}"));
            let params: Vec<Box<dyn ToSql + Sync + Send>> = chunk
                .into_iter()
                .flat_map(|row| {
                    row.into_iter()
                        .zip(table.columns.iter())
                        .map(|(v, c)| to_param(v, c.ty))
                })
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            client
                .execute(&sql, &refs)
                .await
                .with_context(|| format!("writing rows of {}", table.name))?;
        }
        Ok(())
    }

    async fn set_reference(
        &self,
        table: &'static Table,
        column: &'static str,
        links: Vec<(i64, i64)>,
    ) -> anyhow::Result<()> {
        let Some(id) = table.identity else {
            anyhow::bail!("{} has no id to point at", table.name);
        };
        let client = self.client.lock().await;
        let statement = client
            .prepare(&format!(
                "UPDATE {} SET {column} = $2 WHERE {id} = $1",
                table.name
            ))
            .await?;
        for (row, to) in links {
            client.execute(&statement, &[&row, &to]).await?;
        }
        Ok(())
    }

    async fn set_high_water(&self, table: &'static Table, high_water: i64) -> anyhow::Result<()> {
        let Some(id) = table.identity else {
            return Ok(());
        };
        // setval(seq, n, true): the next id is n + 1; (seq, 1, false) for an empty table.
        self.client
            .lock()
            .await
            .query_one(
                &format!(
                    "WITH mark AS (SELECT GREATEST($3::BIGINT, COALESCE(MAX({id}), 0)) AS n FROM {})
                     SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(n, 1), n > 0) FROM mark",
                    table.name
                ),
                &[&table.name, &id, &high_water],
            )
            .await
            .with_context(|| format!("moving the sequence of {}", table.name))?;
        Ok(())
    }

    async fn commit_write(&self) -> anyhow::Result<()> {
        self.batch("COMMIT").await
    }

    async fn rollback_write(&self) -> anyhow::Result<()> {
        self.batch("ROLLBACK").await
    }
}
