//! The one CSV writer, shared by `quietlist export` and the web export: RFC 4180 quoting,
//! and cells that a spreadsheet would run as a formula neutralised.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::privacy::{SealedKind, Vault};
use crate::store::{ExportRow, Millis, Store};

/// The fixed columns; the list's custom fields follow. New columns go at the end of these
/// (the contract promises the first five, then the custom fields after the fixed ones);
/// the import reads columns by name and passes over the ones it does not take.
pub const FIXED_COLUMNS: [&str; 7] = [
    "email",
    "status",
    "position",
    "signed_up_at",
    "confirmed_at",
    "name",
    // Since when the address's server has refused it for good; empty while mail reaches it.
    "undeliverable_since",
];

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180, a header line first.
    Csv,
    /// One JSON object per person and line, for scripts (`--json`).
    JsonLines,
}

/// Writes every person on `list` as CSV to `out`; returns the number of rows.
pub async fn write_csv(
    store: &dyn Store,
    vault: &Vault,
    list: &str,
    custom_fields: &[String],
    out: &mut (dyn Write + Send),
) -> anyhow::Result<u64> {
    write_export(store, vault, list, custom_fields, ExportFormat::Csv, out).await
}

/// Writes every person on `list` to `out` in `format`; returns the number of people.
pub async fn write_export(
    store: &dyn Store,
    vault: &Vault,
    list: &str,
    custom_fields: &[String],
    format: ExportFormat,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<u64> {
    if format == ExportFormat::Csv {
        out.write_all(&csv_header(custom_fields)?)?;
    }
    let mut rows = store.export(list).await?;
    let mut count = 0u64;
    while let Some(row) = rows.recv().await {
        let row = row?;
        match format {
            ExportFormat::Csv => out.write_all(&csv_record(vault, &row, custom_fields)?)?,
            ExportFormat::JsonLines => out.write_all(&json_record(vault, &row, custom_fields)?)?,
        }
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// One person as a JSON object and a newline: the CSV's columns by name (empty cells as
/// null, the position as a number) and the custom fields under `fields`. No formula
/// neutralising: JSON is not opened by spreadsheets.
pub fn json_record(
    vault: &Vault,
    row: &ExportRow,
    custom_fields: &[String],
) -> anyhow::Result<Vec<u8>> {
    let cells = record(vault, row, custom_fields)?;
    let mut object = serde_json::Map::new();
    for (column, cell) in FIXED_COLUMNS.iter().zip(&cells) {
        let value = match (*column, cell.as_str()) {
            (_, "") => serde_json::Value::Null,
            ("position", _) => row
                .position
                .map(serde_json::Value::from)
                .unwrap_or_default(),
            (_, text) => serde_json::Value::from(text),
        };
        object.insert((*column).to_owned(), value);
    }
    let fields: serde_json::Map<String, serde_json::Value> = custom_fields
        .iter()
        .zip(cells.iter().skip(FIXED_COLUMNS.len()))
        .map(|(name, value)| (name.clone(), serde_json::Value::from(value.as_str())))
        .collect();
    object.insert("fields".into(), serde_json::Value::Object(fields));
    let mut line = serde_json::to_vec(&object)?;
    line.push(b'\n');
    Ok(line)
}

/// The header line.
pub fn csv_header(custom_fields: &[String]) -> anyhow::Result<Vec<u8>> {
    let header: Vec<&str> = FIXED_COLUMNS
        .iter()
        .copied()
        .chain(custom_fields.iter().map(String::as_str))
        .collect();
    encode(&header)
}

/// One person's line: decrypted, quoted (RFC 4180) and neutralised against formulas.
pub fn csv_record(
    vault: &Vault,
    row: &ExportRow,
    custom_fields: &[String],
) -> anyhow::Result<Vec<u8>> {
    let cells = record(vault, row, custom_fields)?;
    let cells: Vec<String> = cells.iter().map(|c| neutralise(c).into_owned()).collect();
    encode(&cells)
}

fn encode<T: AsRef<[u8]>>(cells: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    csv.write_record(cells)?;
    csv.into_inner()
        .map_err(|e| anyhow::anyhow!("encoding CSV: {e}"))
}

fn record(vault: &Vault, row: &ExportRow, custom_fields: &[String]) -> anyhow::Result<Vec<String>> {
    let email = vault
        .open_email(&row.email_sealed)
        .with_context(|| format!("decrypting subscriber {}", row.subscriber_id))?;
    let name = row
        .name_sealed
        .as_deref()
        .map(|sealed| vault.open_string(SealedKind::Name, sealed))
        .transpose()?
        .unwrap_or_default();
    let fields: BTreeMap<String, String> = match &row.fields_sealed {
        Some(sealed) => serde_json::from_str(&vault.open_string(SealedKind::Fields, sealed)?)
            .unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let mut cells = vec![
        email.as_str().to_owned(),
        row.status.as_str().to_owned(),
        row.position.map(|p| p.to_string()).unwrap_or_default(),
        timestamp(row.signed_up_at),
        row.confirmed_at.map(timestamp).unwrap_or_default(),
        name,
        row.undeliverable_since.map(timestamp).unwrap_or_default(),
    ];
    cells.extend(
        custom_fields
            .iter()
            .map(|f| fields.get(f).cloned().unwrap_or_default()),
    );
    Ok(cells)
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(millis: Millis) -> String {
    OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or CR is a formula to a spreadsheet;
/// prefix it with an apostrophe so it is shown, not run (OWASP's advice). A cell that
/// itself starts with an apostrophe gets one more, so that [`restore`] can undo exactly
/// this and an import gives back the very value (`'-a@x.org` is another address).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if is_guarded(c) || c == '\'' => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Undoes [`neutralise`]: one leading apostrophe before a guarded character or another
/// apostrophe is dropped. Any other cell, including one a person typed with a leading
/// apostrophe in a file of their own (`'Tis`), is kept as it is.
pub fn restore(cell: &str) -> &str {
    let mut chars = cell.chars();
    match (chars.next(), chars.next()) {
        (Some('\''), Some(c)) if is_guarded(c) || c == '\'' => &cell[1..],
        _ => cell,
    }
}

fn is_guarded(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for c in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(c).starts_with('\''), "{c:?}");
        }
        assert_eq!(neutralise("ada@example.com"), "ada@example.com");
        assert_eq!(neutralise(""), "");
        assert_eq!(neutralise("'Tis"), "''Tis");
    }

    #[test]
    fn every_cell_is_restored_to_itself() {
        for c in [
            "=SUM(A1)", "+1", "-a@x.org", "@home", "\tx", "\rx", "'Tis", "''", "'", "'=x", "ada",
            "", "O'Brien",
        ] {
            assert_eq!(restore(&neutralise(c)), c, "{c:?}");
        }
        // A file not made by the export keeps a lone leading apostrophe.
        assert_eq!(restore("'Tis"), "'Tis");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_700_000_000_123), "2023-11-14T22:13:20Z");
    }
}
