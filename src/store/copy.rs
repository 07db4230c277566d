//! `quietlist db copy`: every table of one database into another, whatever the two
//! backends, verified by reading both back.
//!
//! The copier knows the schema as a list of tables ([`TABLES`]) in an order that satisfies
//! every foreign key; each backend only knows how to stream a table's rows out in key
//! order and how to write them in ([`CopyDatabase`]). Rows travel as a small
//! backend-neutral type ([`Value`]), and each side's digest is computed over the same
//! canonical encoding of those values, so a digest read back from PostgreSQL equals one
//! read from SQLite exactly when the rows are equal. Sealed columns travel as they are:
//! the copy never decrypts anything.

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One row, in its table's column order.
pub type Row = Vec<Value>;

/// What a column holds on both backends (SQLite INTEGER/TEXT/BLOB, PostgreSQL
/// BIGINT/TEXT/BYTEA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Text,
    Bytes,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

/// How a table's rows are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Rows as they are, copied one for one.
    Plain,
    /// A counter table whose logical row is the sum over the other key columns of its last
    /// column (PostgreSQL stripes some counters over slots that SQLite does not have); rows
    /// summing to zero count as absent.
    Summed,
    /// Kept by triggers from another table (the counts by status): not written, only
    /// compared, so the copy's own triggers are checked against the original.
    Derived,
}

/// A table as the copier sees it.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The primary key (the order rows are read and digested in).
    pub key: &'static [&'static str],
    pub kind: TableKind,
    /// An identity column whose sequence must move past every id the source handed out.
    pub identity: Option<&'static str>,
    /// A column pointing at a row of the same table, written after every row is in when it
    /// points forward (a person referred by someone with a later id, after an import).
    pub self_reference: Option<&'static str>,
}

impl Table {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }

    pub fn column_type(&self, name: &str) -> Option<ColumnType> {
        self.columns.iter().find(|c| c.name == name).map(|c| c.ty)
    }

    fn key_positions(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c.name == *k))
            .collect()
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Int,
    }
}
const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}
const fn bytes(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Bytes,
    }
}

const fn plain(
    name: &'static str,
    columns: &'static [Column],
    key: &'static [&'static str],
    identity: Option<&'static str>,
) -> Table {
    Table {
        name,
        columns,
        key,
        kind: TableKind::Plain,
        identity,
        self_reference: None,
    }
}

/// Every table of the schema (migrations 0001-0010 of both trees), parents before
/// children. A table missing here makes the copy refuse to start (see
/// [`BOOKKEEPING_TABLES`]), so a migration that adds one cannot be forgotten silently.
pub static TABLES: &[Table] = &[
    Table {
        name: "subscribers",
        columns: &[
            int("id"),
            text("list"),
            bytes("email_index"),
            bytes("email_sealed"),
            bytes("name_sealed"),
            bytes("fields_sealed"),
            text("status"),
            int("signed_up_at"),
            int("last_signup_at"),
            int("confirmed_at"),
            int("line_seq"),
            int("line_key"),
            int("referred_by"),
            text("pending_form"),
            text("pending_text_hash"),
            text("pending_client_ip"),
            int("pending_submitted_at"),
            bytes("confirm_seed"),
            int("confirm_expires_at"),
            int("last_confirmation_at"),
            int("unsubscribed_at"),
            int("referral_credits"),
            int("referral_counted"),
            bytes("referral_index"),
            int("referral_credited"),
            int("undeliverable_at"),
            text("undeliverable_reason"),
            text("language"),
        ],
        key: &["id"],
        kind: TableKind::Plain,
        identity: Some("id"),
        self_reference: Some("referred_by"),
    },
    plain(
        "tokens",
        &[
            int("id"),
            int("subscriber_id"),
            text("purpose"),
            bytes("seed"),
            int("created_at"),
            int("expires_at"),
            int("used_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "consent_texts",
        &[text("hash"), text("text"), int("first_seen")],
        &["hash"],
        None,
    ),
    plain(
        "suppressions",
        &[
            bytes("email_index"),
            int("erased_at"),
            int("last_confirmation_at"),
            text("recent_mails"),
        ],
        &["email_index"],
        None,
    ),
    plain(
        "outbox",
        &[
            int("id"),
            int("subscriber_id"),
            text("kind"),
            int("token_id"),
            text("state"),
            int("created_at"),
            int("due_at"),
            int("lease_until"),
            int("attempts"),
            int("sent_at"),
            text("last_error"),
            int("claimed_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "outbox_attempts",
        &[
            int("id"),
            int("outbox_id"),
            int("attempted_at"),
            text("error"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "consent_records",
        &[
            int("id"),
            int("subscriber_id"),
            text("list"),
            text("form"),
            text("text_hash"),
            text("client_ip"),
            int("submitted_at"),
            int("confirmed_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "audit_log",
        &[
            int("id"),
            int("at"),
            text("actor"),
            text("action"),
            text("subject"),
            int("rows"),
            text("detail"),
        ],
        &["id"],
        Some("id"),
    ),
    plain("counters", &[text("name"), int("value")], &["name"], None),
    plain(
        "admins",
        &[
            int("id"),
            bytes("email_index"),
            bytes("email_sealed"),
            text("password_hash"),
            int("created_at"),
            int("updated_at"),
            text("role"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "admin_sessions",
        &[
            bytes("id_hash"),
            int("admin_id"),
            int("created_at"),
            int("last_seen_at"),
        ],
        &["id_hash"],
        None,
    ),
    plain(
        "login_failures",
        &[int("id"), text("key"), int("at")],
        &["id"],
        Some("id"),
    ),
    plain(
        "cohorts",
        &[
            int("id"),
            text("list"),
            text("name"),
            int("capacity"),
            text("starts"),
            int("created_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "invitations",
        &[
            int("id"),
            int("subscriber_id"),
            int("cohort_id"),
            int("token_id"),
            text("state"),
            int("invited_at"),
            int("expires_at"),
            int("responded_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "announcements",
        &[
            int("id"),
            text("list"),
            text("key"),
            text("subject"),
            text("markdown"),
            int("created_at"),
            text("sent_by"),
            text("state"),
            int("send_at"),
            text("statuses"),
            text("cohort"),
            text("where_field"),
            text("where_value"),
            int("cursor_id"),
            int("total"),
            int("examined"),
            int("audience"),
            int("queued"),
            int("already_sent"),
            int("skipped_cap"),
            int("skipped_refused"),
            int("skipped_unsubscribed"),
            int("next_slot"),
            int("started_at"),
            int("finished_at"),
            int("publish"),
            int("published_at"),
            int("unpublished_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "announcement_mails",
        &[
            int("announcement_id"),
            int("subscriber_id"),
            int("outbox_id"),
        ],
        &["announcement_id", "subscriber_id"],
        None,
    ),
    Table {
        name: "daily_stats",
        columns: &[text("day"), text("scope"), text("metric"), int("value")],
        key: &["day", "scope", "metric"],
        kind: TableKind::Summed,
        identity: None,
        self_reference: None,
    },
    Table {
        name: "status_counts",
        columns: &[text("list"), text("status"), int("people")],
        key: &["list", "status"],
        kind: TableKind::Derived,
        identity: None,
        self_reference: None,
    },
    plain(
        "webhooks",
        &[
            int("id"),
            text("url"),
            text("events"),
            int("include_email"),
            bytes("secret_sealed"),
            int("created_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "webhook_deliveries",
        &[
            int("id"),
            int("webhook_id"),
            text("event"),
            int("subscriber_id"),
            text("payload"),
            text("state"),
            int("attempts"),
            int("created_at"),
            int("due_at"),
            int("lease_until"),
            int("last_status"),
            text("last_error"),
            int("last_attempt_at"),
            int("delivered_at"),
        ],
        &["id"],
        Some("id"),
    ),
    plain(
        "key_check",
        &[int("id"), text("fingerprint"), int("recorded_at")],
        &["id"],
        None,
    ),
    plain(
        "api_keys",
        &[
            int("id"),
            text("name"),
            text("lookup"),
            bytes("key_hash"),
            text("scopes"),
            int("created_at"),
            int("last_used_at"),
            int("created_by"),
        ],
        &["id"],
        Some("id"),
    ),
];

/// Tables a backend keeps for itself (migration bookkeeping), neither copied nor counted
/// when deciding whether a target is empty.
pub const BOOKKEEPING_TABLES: &[&str] = &["schema_migrations", "sqlite_sequence"];

/// The one table a fresh database may already hold a row in: the key check value, which
/// any start records. A target holding nothing sealed with a key takes the source's (as
/// a start with another key would replace it).
pub const KEY_CHECK_TABLE: &str = "key_check";

/// Batches of rows as a backend streams them out of a table.
pub type RowBatches = mpsc::Receiver<anyhow::Result<Vec<Row>>>;

/// Rows per batch between a reader and a writer.
pub const BATCH_ROWS: usize = 500;

/// One backend's side of a copy. A reader sees one snapshot from `begin_read` to
/// `end_read`; a writer writes everything in one transaction from `begin_write` to
/// `commit_write`, so that a copy that fails leaves the target as it was.
#[async_trait]
pub trait CopyDatabase: Send + Sync {
    /// For messages: the backend and where it is, without a password.
    fn describe(&self) -> String;

    /// The names of the database's own tables.
    async fn table_names(&self) -> anyhow::Result<Vec<String>>;

    /// The names of a table's columns, as the database has them.
    async fn column_names(&self, table: &'static Table) -> anyhow::Result<Vec<String>>;

    /// How many rows a table holds now (outside any snapshot).
    async fn count_rows(&self, table: &'static Table) -> anyhow::Result<u64>;

    async fn begin_read(&self) -> anyhow::Result<()>;
    /// Streams a table's rows in key order (summed for [`TableKind::Summed`] and
    /// [`TableKind::Derived`] tables, zero sums left out), in the read snapshot.
    async fn read_table(&self, table: &'static Table) -> anyhow::Result<RowBatches>;
    /// For a table whose ids this backend never hands out twice (a PostgreSQL identity,
    /// a SQLite AUTOINCREMENT table): the largest id handed out so far, in the read
    /// snapshot. `None` where the backend keeps no such mark.
    async fn high_water(&self, table: &'static Table) -> anyhow::Result<Option<i64>>;
    async fn end_read(&self) -> anyhow::Result<()>;

    async fn begin_write(&self) -> anyhow::Result<()>;
    /// Inserts rows (in the table's column order).
    async fn write_rows(&self, table: &'static Table, rows: Vec<Row>) -> anyhow::Result<()>;
    /// Sets `column` of the row with id `id`, for self-references written after the rows.
    async fn set_reference(
        &self,
        table: &'static Table,
        column: &'static str,
        links: Vec<(i64, i64)>,
    ) -> anyhow::Result<()>;
    /// Moves the table's identity past `high_water` and past every id now in it, so no id
    /// is handed out twice (nothing where the backend keeps no mark for the table).
    async fn set_high_water(&self, table: &'static Table, high_water: i64) -> anyhow::Result<()>;
    async fn commit_write(&self) -> anyhow::Result<()>;
    async fn rollback_write(&self) -> anyhow::Result<()>;
}

/// The row count and SHA-256 of one table as read from one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub rows: u64,
    pub sha256: [u8; 32],
}

impl TableDigest {
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// SHA-256 over the canonical encoding of a table's rows in key order: for each cell a
/// tag byte (0 null, 1 integer, 2 text, 3 bytes), then an integer as 8 bytes big-endian,
/// or a text's UTF-8 or the bytes after their length as 8 bytes big-endian. The encoding
/// is the same whichever backend the rows came from.
#[derive(Default)]
pub struct Digester {
    hasher: Sha256,
    rows: u64,
}

impl Digester {
    pub fn add(&mut self, row: &[Value]) {
        for value in row {
            match value {
                Value::Null => self.hasher.update([0u8]),
                Value::Int(i) => {
                    self.hasher.update([1u8]);
                    self.hasher.update(i.to_be_bytes());
                }
                Value::Text(t) => {
                    self.hasher.update([2u8]);
                    self.hasher.update((t.len() as u64).to_be_bytes());
                    self.hasher.update(t.as_bytes());
                }
                Value::Bytes(b) => {
                    self.hasher.update([3u8]);
                    self.hasher.update((b.len() as u64).to_be_bytes());
                    self.hasher.update(b);
                }
            }
        }
        self.rows += 1;
    }

    pub fn finish(self) -> TableDigest {
        TableDigest {
            rows: self.rows,
            sha256: self.hasher.finalize().into(),
        }
    }
}

/// One table's line in the report.
#[derive(Debug, Clone)]
pub struct TableCheck {
    pub table: &'static str,
    pub kind: TableKind,
    pub source: TableDigest,
    pub target: TableDigest,
    /// The largest id handed out, on each side, where both keep one.
    pub high_water: Option<(i64, i64)>,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source == self.target && self.high_water.is_none_or(|(source, copy)| copy >= source)
    }
}

/// What a copy did and what reading both sides back found.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub source: String,
    pub target: String,
    pub tables: Vec<TableCheck>,
    /// The source's key check value (an HMAC of a label, never the key): the copy must be
    /// opened with the key that produced it.
    pub key_check: Option<String>,
}

impl CopyReport {
    pub fn verified(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
    }

    pub fn rows_copied(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.kind != TableKind::Derived)
            .map(|t| t.target.rows)
            .sum()
    }
}

/// Why a copy did not start or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target holds rows: the copy would mix two databases. Nothing was written.
    #[error("the target is not empty ({})", describe_counts(.0))]
    TargetNotEmpty(Vec<(String, u64)>),
    /// A table this build does not know: copying without it would lose its rows.
    #[error(
        "the {side} has a table this build does not know ({table}); upgrade quietlist before copying"
    )]
    UnknownTable { side: &'static str, table: String },
    /// A column this build does not copy, or one it expects and the database lacks: the
    /// digests cover only the columns copied, so they could not catch the loss.
    #[error(
        "the {side}'s table {table} has columns this build does not expect ({}); copy with the quietlist that made both databases",
        .columns.join(", ")
    )]
    UnexpectedColumns {
        side: &'static str,
        table: &'static str,
        columns: Vec<String>,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn describe_counts(counts: &[(String, u64)]) -> String {
    counts
        .iter()
        .map(|(t, n)| format!("{t}: {n} {}", if *n == 1 { "row" } else { "rows" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a table that is neither in [`TABLES`] nor bookkeeping, and a known table
/// whose columns are not exactly the ones the copier reads and writes.
async fn check_known_tables(db: &dyn CopyDatabase, side: &'static str) -> Result<(), CopyError> {
    for name in db.table_names().await? {
        let known = TABLES.iter().any(|t| t.name == name)
            || BOOKKEEPING_TABLES.contains(&name.as_str())
            || name.starts_with("sqlite_");
        if !known {
            return Err(CopyError::UnknownTable { side, table: name });
        }
    }
    for table in TABLES {
        let columns = unexpected_columns(table, &db.column_names(table).await?);
        if !columns.is_empty() {
            return Err(CopyError::UnexpectedColumns {
                side,
                table: table.name,
                columns,
            });
        }
    }
    Ok(())
}

/// PostgreSQL stripes summed and derived counters over this column (see
/// [`TableKind::Summed`]); the copier reads their sums, so it is not a lost column.
const STRIPE_COLUMN: &str = "slot";

/// The columns the database has and the copier does not know, then those the copier
/// knows and the database lacks (marked "missing").
fn unexpected_columns(table: &Table, in_database: &[String]) -> Vec<String> {
    let extra = in_database
        .iter()
        .filter(|name| table.column_type(name).is_none())
        .filter(|name| !(table.kind != TableKind::Plain && *name == STRIPE_COLUMN))
        .cloned();
    let missing = table
        .column_names()
        .filter(|name| !in_database.iter().any(|d| d == name))
        .map(|name| format!("{name} (missing)"));
    extra.chain(missing).collect()
}

/// Tables of `db` holding rows (the key check value left out, see [`KEY_CHECK_TABLE`]).
pub async fn non_empty_tables(db: &dyn CopyDatabase) -> anyhow::Result<Vec<(String, u64)>> {
    let mut found = Vec::new();
    for table in TABLES.iter().filter(|t| t.name != KEY_CHECK_TABLE) {
        let rows = db.count_rows(table).await?;
        if rows > 0 {
            found.push((table.name.to_owned(), rows));
        }
    }
    Ok(found)
}

/// Copies every table of `source` into `target` in one transaction, then reads the
/// target back and compares each table's rows and digest with the source's. The target
/// must be migrated and empty. Returns the report whether or not the digests matched:
/// the caller decides what a mismatch means (the CLI exits non-zero).
pub async fn copy_database(
    source: &dyn CopyDatabase,
    target: &dyn CopyDatabase,
) -> Result<CopyReport, CopyError> {
    check_known_tables(source, "source").await?;
    check_known_tables(target, "target").await?;
    let occupied = non_empty_tables(target).await?;
    if !occupied.is_empty() {
        return Err(CopyError::TargetNotEmpty(occupied));
    }

    source.begin_read().await?;
    let copied = copy_tables(source, target).await;
    let _ = source.end_read().await;
    let (source_digests, key_check) = copied?;

    target.begin_read().await?;
    let read_back = digest_all(target).await;
    let _ = target.end_read().await;
    let target_digests = read_back?;

    let tables = TABLES
        .iter()
        .zip(source_digests)
        .zip(target_digests)
        .map(
            |((table, (source, source_hw)), (target, target_hw))| TableCheck {
                table: table.name,
                kind: table.kind,
                source,
                target,
                high_water: source_hw.zip(target_hw),
            },
        )
        .collect();
    Ok(CopyReport {
        source: source.describe(),
        target: target.describe(),
        tables,
        key_check,
    })
}

type Digests = Vec<(TableDigest, Option<i64>)>;

async fn copy_tables(
    source: &dyn CopyDatabase,
    target: &dyn CopyDatabase,
) -> anyhow::Result<(Digests, Option<String>)> {
    target.begin_write().await?;
    match write_tables(source, target).await {
        Ok(result) => {
            target.commit_write().await?;
            Ok(result)
        }
        Err(e) => {
            let _ = target.rollback_write().await;
            Err(e)
        }
    }
}

async fn write_tables(
    source: &dyn CopyDatabase,
    target: &dyn CopyDatabase,
) -> anyhow::Result<(Digests, Option<String>)> {
    let mut digests = Vec::with_capacity(TABLES.len());
    let mut key_check = None;
    for table in TABLES {
        let mut digester = Digester::default();
        let mut batches = source.read_table(table).await?;
        let self_ref = table
            .self_reference
            .and_then(|c| table.columns.iter().position(|col| col.name == c));
        let id_at = table.key_positions().first().copied();
        let mut later_links = Vec::new();
        while let Some(batch) = batches.recv().await {
            let mut batch = batch?;
            batch.iter().for_each(|row| digester.add(row));
            if table.name == KEY_CHECK_TABLE {
                key_check = batch.first().and_then(|row| match row.get(1) {
                    Some(Value::Text(f)) => Some(f.clone()),
                    _ => None,
                });
            }
            if table.kind == TableKind::Derived {
                continue;
            }
            if let (Some(r), Some(i)) = (self_ref, id_at) {
                defer_forward_references(&mut batch, r, i, &mut later_links);
            }
            target.write_rows(table, batch).await?;
        }
        if let Some(column) = table.self_reference
            && !later_links.is_empty()
        {
            target.set_reference(table, column, later_links).await?;
        }
        let high_water = match table.identity {
            Some(_) => {
                let hw = source.high_water(table).await?;
                target.set_high_water(table, hw.unwrap_or(0)).await?;
                hw
            }
            None => None,
        };
        digests.push((digester.finish(), high_water));
    }
    Ok((digests, key_check))
}

/// A reference to a row not yet written (a larger id) is written as NULL first and set
/// once every row is in.
fn defer_forward_references(
    batch: &mut [Row],
    reference_at: usize,
    id_at: usize,
    later: &mut Vec<(i64, i64)>,
) {
    for row in batch {
        if let (Some(Value::Int(id)), Some(Value::Int(to))) =
            (row.get(id_at), row.get(reference_at))
            && to >= id
        {
            later.push((*id, *to));
            row[reference_at] = Value::Null;
        }
    }
}

/// Every table's digest and high-water mark as `db` holds them now.
pub async fn digest_all(db: &dyn CopyDatabase) -> anyhow::Result<Digests> {
    let mut digests = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let mut digester = Digester::default();
        let mut batches = db.read_table(table).await?;
        while let Some(batch) = batches.recv().await {
            batch?.iter().for_each(|row| digester.add(row));
        }
        let high_water = match table.identity {
            Some(_) => db.high_water(table).await?,
            None => None,
        };
        digests.push((digester.finish(), high_water));
    }
    Ok(digests)
}

/// The SQL both backends share for reading a table in key order; `collate` is appended
/// to each text key column (PostgreSQL's `COLLATE "C"` orders text as SQLite does, by
/// its bytes).
pub fn select_sql(table: &Table, collate: &str) -> String {
    let order = table
        .key
        .iter()
        .map(|k| match table.column_type(k) {
            Some(ColumnType::Text) => format!("{k}{collate}"),
            _ => (*k).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match table.kind {
        TableKind::Plain => format!(
            "SELECT {} FROM {} ORDER BY {order}",
            table.column_names().collect::<Vec<_>>().join(", "),
            table.name
        ),
        TableKind::Summed | TableKind::Derived => {
            let keys = table.key.join(", ");
            let value = table.columns.last().map(|c| c.name).unwrap_or("value");
            format!(
                "SELECT {keys}, CAST(SUM({value}) AS BIGINT) FROM {} GROUP BY {keys} \
                 HAVING SUM({value}) <> 0 ORDER BY {order}",
                table.name
            )
        }
    }
}

/// `INSERT INTO table (columns) VALUES (...)` with `placeholder(i)` (1-based) for each
/// value of `rows` rows.
pub fn insert_sql(table: &Table, rows: usize, placeholder: impl Fn(usize) -> String) -> String {
    let n = table.columns.len();
    let values = (0..rows)
        .map(|r| {
            let cells = (1..=n)
                .map(|c| placeholder(r * n + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({cells})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES {values}",
        table.name,
        table.column_names().collect::<Vec<_>>().join(", ")
    );
    if table.name == KEY_CHECK_TABLE {
        // A fresh target may have recorded its own value (see KEY_CHECK_TABLE).
        let set = table
            .column_names()
            .filter(|c| !table.key.contains(c))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push_str(&format!(
            " ON CONFLICT ({}) DO UPDATE SET {set}",
            table.key.join(", ")
        ));
    }
    sql
}

/// The error for a cell whose stored type is not the column's.
pub fn type_mismatch(table: &Table, column: usize, found: &str) -> anyhow::Error {
    let col = table.columns.get(column);
    anyhow::anyhow!(
        "{}.{} holds {found} where {:?} was expected",
        table.name,
        col.map(|c| c.name).unwrap_or("?"),
        col.map(|c| c.ty)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_tells_null_from_empty_and_text_from_bytes() {
        let digest = |row: Row| {
            let mut d = Digester::default();
            d.add(&row);
            d.finish().sha256
        };
        let all = [
            digest(vec![Value::Null]),
            digest(vec![Value::Text(String::new())]),
            digest(vec![Value::Bytes(Vec::new())]),
            digest(vec![Value::Int(0)]),
            digest(vec![Value::Text("ab".into()), Value::Text("c".into())]),
            digest(vec![Value::Text("a".into()), Value::Text("bc".into())]),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn every_table_names_its_key_and_identity_among_its_columns() {
        for table in TABLES {
            assert_eq!(
                table.key_positions().len(),
                table.key.len(),
                "{}",
                table.name
            );
            for c in table.identity.iter().chain(table.self_reference.iter()) {
                assert!(table.column_type(c).is_some(), "{}.{c}", table.name);
            }
        }
    }

    #[test]
    fn counters_are_read_as_sums_and_text_keys_in_byte_order() {
        let daily = TABLES.iter().find(|t| t.name == "daily_stats");
        let sql = daily
            .map(|t| select_sql(t, " COLLATE \"C\""))
            .unwrap_or_default();
        assert_eq!(
            sql,
            "SELECT day, scope, metric, CAST(SUM(value) AS BIGINT) FROM daily_stats \
             GROUP BY day, scope, metric HAVING SUM(value) <> 0 \
             ORDER BY day COLLATE \"C\", scope COLLATE \"C\", metric COLLATE \"C\""
        );
    }

    #[test]
    fn a_forward_reference_waits_and_a_backward_one_is_written_at_once() {
        let mut batch = vec![
            vec![Value::Int(2), Value::Int(1)],
            vec![Value::Int(3), Value::Int(9)],
            vec![Value::Int(4), Value::Null],
        ];
        let mut later = Vec::new();
        defer_forward_references(&mut batch, 1, 0, &mut later);
        assert_eq!(later, vec![(3, 9)]);
        assert_eq!(batch[0][1], Value::Int(1));
        assert_eq!(batch[1][1], Value::Null);
    }
}
