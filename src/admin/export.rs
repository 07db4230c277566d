//! Exports of a list as CSV, the same bytes to a file or to the owner's browser, each one
//! in the audit log with the rows it gave out.

use crate::domain::Capability;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use bytes::Bytes;
use tokio::sync::mpsc;

use super::actions::{OwnerActionError, OwnerActions};
use crate::privacy::audit::{self, Actor, AuditEvent, ExportTarget};
use crate::store::Store;
use crate::waitlist::export::{csv_header, csv_record, write_csv};

/// Bytes the web export sends at once.
const CHUNK: usize = 64 * 1024;

/// A web export under way: its chunks arrive here. An `Err` means the export stopped
/// (the cause is logged); the receiver then ends.
pub struct CsvStream {
    pub chunks: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl OwnerActions {
    /// Writes `list` as CSV to `out` and audits the rows written; returns their number.
    pub async fn export_csv(
        &self,
        actor: &Actor,
        list: &str,
        target: ExportTarget,
        out: &mut (dyn Write + Send),
    ) -> Result<u64, OwnerActionError> {
        self.allow(Capability::Export).await?;
        let fields = self.custom_fields(list)?;
        let rows = write_csv(
            self.waitlists.store.as_ref(),
            &self.waitlists.vault,
            list,
            &fields,
            out,
        )
        .await?;
        self.audit(
            actor,
            AuditEvent::Exported {
                list: list.to_owned(),
                rows,
                target,
            },
        )
        .await?;
        tracing::info!(list, rows, "exported");
        Ok(rows)
    }

    /// Streams `list` as CSV row by row (a million people never sit in memory). The
    /// export is audited when the stream ends, however it ends, with the rows sent.
    pub async fn stream_csv(
        &self,
        actor: &Actor,
        list: &str,
    ) -> Result<CsvStream, OwnerActionError> {
        self.allow(Capability::Export).await?;
        let fields = self.custom_fields(list)?;
        let header = csv_header(&fields)?;
        let mut rows = self.waitlists.store.export(list).await?;
        let vault = self.waitlists.vault.clone();
        let sent = Arc::new(AtomicU64::new(0));
        let audit_when_done = AuditOnDrop {
            store: self.waitlists.store.clone(),
            actor: actor.clone(),
            list: list.to_owned(),
            sent: sent.clone(),
        };
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
        tokio::spawn(async move {
            let _audit_when_done = audit_when_done;
            if tx.send(Ok(Bytes::from(header))).await.is_err() {
                return;
            }
            let mut chunk = Vec::with_capacity(CHUNK);
            while let Some(row) = rows.recv().await {
                let encoded = row
                    .map_err(anyhow::Error::from)
                    .and_then(|row| csv_record(&vault, &row, &fields));
                match encoded {
                    Ok(bytes) => {
                        chunk.extend_from_slice(&bytes);
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        tracing::error!(error = ?e, "the export stopped");
                        let _ = tx
                            .send(Err(std::io::Error::other("the export stopped")))
                            .await;
                        return;
                    }
                }
                if chunk.len() >= CHUNK
                    && tx
                        .send(Ok(Bytes::from(std::mem::take(&mut chunk))))
                        .await
                        .is_err()
                {
                    return;
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(Ok(Bytes::from(chunk))).await;
            }
        });
        Ok(CsvStream { chunks: rx })
    }

    /// The list's own fields, the columns after the fixed ones.
    fn custom_fields(&self, list: &str) -> Result<Vec<String>, OwnerActionError> {
        let published = self.waitlists.site.load();
        let waitlist = published
            .site
            .waitlist(list)
            .ok_or_else(|| OwnerActionError::NoSuchList(list.to_owned()))?;
        Ok(waitlist.field_names())
    }
}

/// Writes the web export's audit entry when the stream is dropped: after the last row,
/// or when the browser went away halfway.
struct AuditOnDrop {
    store: Arc<dyn Store>,
    actor: Actor,
    list: String,
    sent: Arc<AtomicU64>,
}

impl Drop for AuditOnDrop {
    fn drop(&mut self) {
        let event = AuditEvent::Exported {
            list: std::mem::take(&mut self.list),
            rows: self.sent.load(Ordering::Relaxed),
            target: ExportTarget::Web,
        };
        let (store, actor) = (self.store.clone(), self.actor.clone());
        tokio::spawn(async move {
            if let Err(e) = audit::record(store.as_ref(), &actor, event)
                .await
                .context("auditing a web export")
            {
                tracing::error!(error = ?e, "could not audit an export");
            }
        });
    }
}
