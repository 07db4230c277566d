//! `quietlist db copy --to URL`: the owner's move from one database to another (SQLite to
//! PostgreSQL and back), verified table by table and written in both audit logs.

use std::fmt::Write as _;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::privacy::audit::{Actor, AuditEvent};
use crate::store::copy::{CopyError, CopyReport, TableKind, copy_database};
use crate::store::{DatabaseSettings, DatabaseUrl, now_millis, open, open_copy};

#[derive(Debug, thiserror::Error)]
pub enum DbCopyError {
    #[error("--to: {0}")]
    BadTarget(String),
    #[error("--to names the configured database itself")]
    SameDatabase,
    #[error(transparent)]
    Copy(#[from] CopyError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Copies the configured database (`settings`, or SQLite in `data_dir`) into the empty
/// database at `to`, reads both back and compares them. A verified copy is recorded in
/// both audit logs (after the comparison, so the entry is not part of it); a mismatch in
/// the source's only. The report comes back either way: [`CopyReport::verified`] says
/// which.
pub async fn copy_to(
    settings: &DatabaseSettings,
    data_dir: &Path,
    to: &SecretString,
    actor: &Actor,
) -> Result<CopyReport, DbCopyError> {
    let source_url = DatabaseUrl::parse(settings.url.as_ref().map(|u| u.expose_secret()), data_dir)
        .map_err(anyhow::Error::msg)?;
    let target_url =
        DatabaseUrl::parse(Some(to.expose_secret()), data_dir).map_err(DbCopyError::BadTarget)?;
    if source_url.same_database(&target_url) {
        return Err(DbCopyError::SameDatabase);
    }
    let source = open_copy(&source_url).await?;
    let target = open_copy(&target_url).await?;
    let report = copy_database(source.as_ref(), target.as_ref()).await?;
    drop((source, target));

    let entry = AuditEvent::DatabaseCopied {
        from: report.source.clone(),
        to: report.target.clone(),
        rows: report.rows_copied(),
        mismatched: mismatched(&report),
    }
    .into_entry(actor, now_millis());
    open(settings, data_dir)
        .await?
        .audit(entry.clone())
        .await
        .map_err(anyhow::Error::from)?;
    if report.verified() {
        let target_settings = DatabaseSettings {
            url: Some(to.clone()),
            ..settings.clone()
        };
        open(&target_settings, data_dir)
            .await?
            .audit(entry)
            .await
            .map_err(anyhow::Error::from)?;
    }
    Ok(report)
}

fn mismatched(report: &CopyReport) -> Vec<&'static str> {
    report
        .tables
        .iter()
        .filter(|t| !t.matches())
        .map(|t| t.table)
        .collect()
}

/// The report as the owner reads it: a line per table, then what the copy carries.
pub fn render(report: &CopyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "copied {} into {}", report.source, report.target);
    let _ = writeln!(
        out,
        "{:<16} {:>9} {:>9}  {:<16} {:<16} {:>17}  check",
        "table", "rows", "copy", "sha-256", "copy's sha-256", "largest id"
    );
    for t in &report.tables {
        let ids = match t.high_water {
            Some((a, b)) => format!("{a} / {b}"),
            None => "-".into(),
        };
        let note = match (t.matches(), t.kind) {
            (false, _) => "MISMATCH",
            (true, TableKind::Derived) => "ok (kept by the copy's triggers)",
            (true, TableKind::Summed) => "ok (sums)",
            (true, TableKind::Plain) => "ok",
        };
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9}  {:<16} {:<16} {:>17}  {note}",
            t.table,
            t.source.rows,
            t.target.rows,
            &t.source.hex()[..16],
            &t.target.hex()[..16],
            ids
        );
    }
    if report.verified() {
        let _ = writeln!(
            out,
            "verified: every table has the same rows and SHA-256 on both sides ({} rows)",
            report.rows_copied()
        );
    } else {
        let _ = writeln!(
            out,
            "NOT verified: {} differ; the copy is not to be used",
            mismatched(report).join(", ")
        );
    }
    let _ = writeln!(
        out,
        "The copy holds ciphertext only: start quietlist on it with the same secret key \
         (QUIETLIST_SECRET_KEY, or secret.key from the data directory){}.",
        match &report.key_check {
            Some(check) => format!("; its key check value is {}", &check[..check.len().min(16)]),
            None => String::new(),
        }
    );
    out
}
