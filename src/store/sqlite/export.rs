//! Reading a whole list in line order, streamed row by row.

use rusqlite::{Connection, Row, params};
use tokio::sync::mpsc::Sender;

use super::errors::SqlContext;
use crate::domain::Status;
use crate::store::{ExportRow, StoreError, StoreResult};

/// Sends every person on `list` to `out`: the confirmed first, in line order and
/// numbered, then everyone else by signup time. Stops early if the receiver goes away.
pub fn stream_list(conn: &Connection, list: &str, out: &Sender<StoreResult<ExportRow>>) {
    if let Err(e) = stream_list_inner(conn, list, out) {
        let _ = out.blocking_send(Err(e));
    }
}

const COLUMNS: &str = "id, email_sealed, name_sealed, fields_sealed, status, signed_up_at, \
     confirmed_at, undeliverable_at";

fn stream_list_inner(
    conn: &Connection,
    list: &str,
    out: &Sender<StoreResult<ExportRow>>,
) -> StoreResult<()> {
    // One read transaction, so both halves see the same snapshot.
    conn.execute_batch("BEGIN").sql("starting the export")?;
    let result = (|| {
        let mut in_line = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM subscribers
                 WHERE list = ?1 AND status = 'confirmed' AND line_seq IS NOT NULL
                 ORDER BY line_key, line_seq"
            ))
            .sql("preparing the export")?;
        let mut rows = in_line.query(params![list]).sql("reading the line")?;
        let mut position = 0u64;
        while let Some(row) = rows.next().sql("reading the line")? {
            position += 1;
            if !send(out, to_export_row(row, Some(position)))? {
                return Ok(());
            }
        }
        let mut rest = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM subscribers
                 WHERE +list = ?1 AND status != 'confirmed' ORDER BY id"
            ))
            .sql("preparing the export")?;
        let mut rows = rest.query(params![list]).sql("reading the list")?;
        while let Some(row) = rows.next().sql("reading the list")? {
            if !send(out, to_export_row(row, None))? {
                return Ok(());
            }
        }
        Ok(())
    })();
    let _ = conn.execute_batch("COMMIT");
    result
}

fn send(
    out: &Sender<StoreResult<ExportRow>>,
    row: rusqlite::Result<ExportRow>,
) -> StoreResult<bool> {
    let row = row.sql("decoding a row")?;
    Ok(out.blocking_send(Ok(row)).is_ok())
}

fn to_export_row(row: &Row<'_>, position: Option<u64>) -> rusqlite::Result<ExportRow> {
    let status: String = row.get(4)?;
    Ok(ExportRow {
        subscriber_id: row.get(0)?,
        email_sealed: row.get(1)?,
        name_sealed: row.get(2)?,
        fields_sealed: row.get(3)?,
        status: Status::parse(&status).unwrap_or(Status::Pending),
        position,
        signed_up_at: row.get(5)?,
        confirmed_at: row.get(6)?,
        undeliverable_since: row.get(7)?,
    })
}

pub fn count_by_status(conn: &Connection, list: &str) -> StoreResult<Vec<(String, u64)>> {
    conn.prepare_cached(
        // Kept by triggers (migration 0004): a few rows, whatever the size of the list.
        "SELECT status, people FROM status_counts WHERE list = ?1 AND people > 0 ORDER BY status",
    )
    .and_then(|mut st| {
        st.query_map([list], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect()
    })
    .sql("counting people by status")
    .map_err(|e: StoreError| e)
}
