//! SQLite's side of `db copy` (see `store::copy`): tables streamed out in key order and
//! written in one transaction on a connection of its own.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use tokio::sync::mpsc;

use super::connection::{self, Durability};
use crate::store::copy::{
    BATCH_ROWS, ColumnType, CopyDatabase, Row, RowBatches, Table, Value, insert_sql, select_sql,
    type_mismatch,
};

pub struct SqliteCopy {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl SqliteCopy {
    /// Opens (creating and migrating when needed) the database file at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut conn = connection::open_writer(path, Durability::Full, connection::BUSY_TIMEOUT)?;
        connection::migrate(&mut conn)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| anyhow::anyhow!("the copy's SQLite connection is poisoned"))?;
            f(&conn)
        })
        .await
        .context("the SQLite copy task stopped")?
    }
}

fn is_autoincrement(conn: &Connection, table: &str) -> anyhow::Result<bool> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sql.is_some_and(|s| s.to_ascii_uppercase().contains("AUTOINCREMENT")))
}

fn to_value(table: &Table, column: usize, cell: ValueRef<'_>) -> anyhow::Result<Value> {
    let ty = table.columns.get(column).map(|c| c.ty);
    Ok(match (cell, ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), Some(ColumnType::Int)) => Value::Int(i),
        (ValueRef::Text(t), Some(ColumnType::Text)) => Value::Text(
            String::from_utf8(t.to_vec())
                .map_err(|_| type_mismatch(table, column, "text that is not UTF-8"))?,
        ),
        (ValueRef::Blob(b), Some(ColumnType::Bytes)) => Value::Bytes(b.to_vec()),
        (other, _) => {
            return Err(type_mismatch(
                table,
                column,
                &format!("{:?}", other.data_type()),
            ));
        }
    })
}

fn to_sql(value: Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Int(i) => V::Integer(i),
        Value::Text(t) => V::Text(t),
        Value::Bytes(b) => V::Blob(b),
    }
}

fn stream_table(
    conn: &Connection,
    table: &'static Table,
    tx: &mpsc::Sender<anyhow::Result<Vec<Row>>>,
) -> anyhow::Result<()> {
    let mut statement = conn.prepare(&select_sql(table, ""))?;
    let mut rows = statement.query([])?;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = rows.next()? {
        let cells = (0..table.columns.len())
            .map(|i| to_value(table, i, row.get_ref(i)?))
            .collect::<anyhow::Result<Row>>()?;
        batch.push(cells);
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if tx.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
    Ok(())
}

#[async_trait]
impl CopyDatabase for SqliteCopy {
    fn describe(&self) -> String {
        format!("SQLite at {}", self.path.display())
    }

    async fn table_names(&self) -> anyhow::Result<Vec<String>> {
        self.with(|conn| {
            let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
            let names = st
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(names)
        })
        .await
    }

    async fn column_names(&self, table: &'static Table) -> anyhow::Result<Vec<String>> {
        self.with(move |conn| {
            let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
            let names = st
                .query_map([table.name], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(names)
        })
        .await
    }

    async fn count_rows(&self, table: &'static Table) -> anyhow::Result<u64> {
        self.with(move |conn| {
            let n: i64 =
                conn.query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| {
                    r.get(0)
                })?;
            Ok(n as u64)
        })
        .await
    }

    async fn begin_read(&self) -> anyhow::Result<()> {
        // A deferred transaction takes its snapshot at its first read.
        self.with(|conn| {
            conn.execute_batch("BEGIN DEFERRED")?;
            conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn read_table(&self, table: &'static Table) -> anyhow::Result<RowBatches> {
        let (tx, rx) = mpsc::channel(4);
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let result = match conn.lock() {
                Ok(conn) => stream_table(&conn, table, &tx),
                Err(_) => Err(anyhow::anyhow!("the copy's SQLite connection is poisoned")),
            };
            if let Err(e) = result {
                let _ = tx.blocking_send(Err(e.context(format!("reading {}", table.name))));
            }
        });
        Ok(rx)
    }

    async fn high_water(&self, table: &'static Table) -> anyhow::Result<Option<i64>> {
        let Some(id) = table.identity else {
            return Ok(None);
        };
        self.with(move |conn| {
            if !is_autoincrement(conn, table.name)? {
                return Ok(None);
            }
            let mark: i64 = conn.query_row(
                &format!(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0),
                                COALESCE((SELECT MAX({id}) FROM {}), 0))",
                    table.name
                ),
                [table.name],
                |r| r.get(0),
            )?;
            Ok(Some(mark))
        })
        .await
    }

    async fn end_read(&self) -> anyhow::Result<()> {
        self.with(|conn| Ok(conn.execute_batch("COMMIT")?)).await
    }

    async fn begin_write(&self) -> anyhow::Result<()> {
        self.with(|conn| Ok(conn.execute_batch("BEGIN IMMEDIATE")?))
            .await
    }

    async fn write_rows(&self, table: &'static Table, rows: Vec<Row>) -> anyhow::Result<()> {
        self.with(move |conn| {
            let mut st = conn.prepare_cached(&insert_sql(table, 1, |i| format!("?{i}")))?;
            for row in rows {
                st.execute(params_from_iter(row.into_iter().map(to_sql)))
                    .with_context(|| format!("writing a row of {}", table.name))?;
            }
            Ok(())
        })
        .await
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
        self.with(move |conn| {
            let mut st = conn.prepare(&format!(
                "UPDATE {} SET {column} = ?2 WHERE {id} = ?1",
                table.name
            ))?;
            for (row, to) in links {
                st.execute([row, to])?;
            }
            Ok(())
        })
        .await
    }

    async fn set_high_water(&self, table: &'static Table, high_water: i64) -> anyhow::Result<()> {
        self.with(move |conn| {
            if !is_autoincrement(conn, table.name)? {
                // SQLite hands out the largest id + 1, the source's largest id.
                return Ok(());
            }
            let changed = conn.execute(
                "UPDATE sqlite_sequence SET seq = MAX(seq, ?2) WHERE name = ?1",
                rusqlite::params![table.name, high_water],
            )?;
            if changed == 0 {
                conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                    rusqlite::params![table.name, high_water],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn commit_write(&self) -> anyhow::Result<()> {
        self.with(|conn| {
            conn.execute_batch("COMMIT")
                .context("committing the copy")?;
            Ok(())
        })
        .await
    }

    async fn rollback_write(&self) -> anyhow::Result<()> {
        self.with(|conn| Ok(conn.execute_batch("ROLLBACK")?)).await
    }
}
