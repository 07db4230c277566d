//! Reading a whole list in line order, streamed: a read-only snapshot read through a
//! portal, a chunk at a time, so that neither node nor database holds the list in memory
//! and each fetch is a statement of its own under the statement timeout.

use deadpool_postgres::Object;
use tokio::sync::mpsc::Sender;
use tokio_postgres::{IsolationLevel, Row};

use super::db::{Tx, all, col};
use super::errors::PgContext;
use crate::domain::Status;
use crate::store::{ExportRow, StoreResult};

const COLUMNS: &str = "id, email_sealed, name_sealed, fields_sealed, status, signed_up_at, \
     confirmed_at, undeliverable_at";

/// Rows fetched per round trip.
const CHUNK: i32 = 512;

/// Sends every person on `list` to `out`: the confirmed first, in line order and
/// numbered, then everyone else by signup time. Stops early if the receiver goes away.
pub async fn stream_list(mut client: Object, list: String, out: Sender<StoreResult<ExportRow>>) {
    if let Err(e) = stream_inner(&mut client, &list, &out).await {
        let _ = out.send(Err(e)).await;
    }
}

async fn stream_inner(
    client: &mut Object,
    list: &str,
    out: &Sender<StoreResult<ExportRow>>,
) -> StoreResult<()> {
    // One snapshot, so both halves agree.
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .sql("starting the export")?;
    // A reader may take its time (a download over a slow line): this transaction holds no
    // lock anyone waits on, so it may sit idle past the usual limit.
    tx.batch_execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        .await
        .sql("letting the export wait for its reader")?;
    let in_line = format!(
        "SELECT {COLUMNS} FROM subscribers
         WHERE list = $1 AND status = 'confirmed' AND line_seq IS NOT NULL
         ORDER BY line_key, line_seq"
    );
    let rest = format!(
        "SELECT {COLUMNS} FROM subscribers
         WHERE list = $1 AND status <> 'confirmed' ORDER BY id"
    );
    let mut position = 0u64;
    let numbered = |row: &Row| {
        position += 1;
        to_export_row(row, Some(position))
    };
    if !send_all(&tx, &in_line, list, out, numbered).await? {
        return Ok(());
    }
    if !send_all(&tx, &rest, list, out, |row| to_export_row(row, None)).await? {
        return Ok(());
    }
    tx.commit().await.sql("ending the export")
}

/// False when the receiver went away.
async fn send_all(
    tx: &Tx<'_>,
    sql: &str,
    list: &str,
    out: &Sender<StoreResult<ExportRow>>,
    mut convert: impl FnMut(&Row) -> StoreResult<ExportRow>,
) -> StoreResult<bool> {
    let statement = tx.prepare_cached(sql).await.sql("preparing the export")?;
    let portal = tx
        .bind(&statement, &[&list])
        .await
        .sql("starting to read the list")?;
    loop {
        let rows = tx
            .query_portal(&portal, CHUNK)
            .await
            .sql("reading the list")?;
        if rows.is_empty() {
            return Ok(true);
        }
        for row in &rows {
            if out.send(Ok(convert(row)?)).await.is_err() {
                return Ok(false);
            }
        }
    }
}

fn to_export_row(row: &Row, position: Option<u64>) -> StoreResult<ExportRow> {
    let status: String = col(row, 4)?;
    Ok(ExportRow {
        subscriber_id: col(row, 0)?,
        email_sealed: col(row, 1)?,
        name_sealed: col(row, 2)?,
        fields_sealed: col(row, 3)?,
        status: Status::parse(&status).unwrap_or(Status::Pending),
        position,
        signed_up_at: col(row, 5)?,
        confirmed_at: col(row, 6)?,
        undeliverable_since: col(row, 7)?,
    })
}

/// The kept counts (migration 0004): a few rows per list, summed over their slots.
pub async fn count_by_status(tx: &Tx<'_>, list: &str) -> StoreResult<Vec<(String, u64)>> {
    all(
        tx,
        "SELECT status, SUM(people)::BIGINT FROM status_counts WHERE list = $1
         GROUP BY status HAVING SUM(people) > 0 ORDER BY status",
        &[&list],
        "counting people by status",
    )
    .await?
    .iter()
    .map(|r| Ok((col(r, 0)?, col::<i64>(r, 1)? as u64)))
    .collect()
}
