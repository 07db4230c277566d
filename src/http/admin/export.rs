//! `/admin/lists/{list}/export.csv`: the same CSV as `quietlist export`, streamed row by
//! row (a million people never sit in memory), and audited with the rows it sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::Owner;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::{AuditEntry, Store, now_millis};
use crate::waitlist::export::{csv_header, csv_record};

pub async fn csv(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
) -> Result<Response, AppError> {
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    let fields = waitlist.field_names();
    let header_line = csv_header(&fields)?;
    let mut rows = state.waitlists.store.export(&list).await?;
    let vault = state.waitlists.vault.clone();
    let sent = Arc::new(AtomicU64::new(0));
    // Audited when the stream ends, however it ends, with the rows actually sent.
    let guard = AuditOnDrop {
        store: state.waitlists.store.clone(),
        actor: owner.actor(),
        list: list.clone(),
        sent: sent.clone(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    tokio::spawn(async move {
        let _guard = guard;
        if tx.send(Ok(Bytes::from(header_line))).await.is_err() {
            return;
        }
        // Rows are sent in chunks of about 64 KiB.
        let mut chunk = Vec::with_capacity(64 * 1024);
        while let Some(row) = rows.recv().await {
            let encoded = row
                .map_err(|e| anyhow::anyhow!("{e}"))
                .and_then(|row| csv_record(&vault, &row, &fields));
            match encoded {
                Ok(bytes) => {
                    chunk.extend_from_slice(&bytes);
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::error!(error = %e, "the export stopped");
                    let _ = tx
                        .send(Err(std::io::Error::other("the export stopped")))
                        .await;
                    return;
                }
            }
            if chunk.len() >= 64 * 1024
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
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let filename = format!("attachment; filename=\"{list}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

struct AuditOnDrop {
    store: Arc<dyn Store>,
    actor: String,
    list: String,
    sent: Arc<AtomicU64>,
}

impl Drop for AuditOnDrop {
    fn drop(&mut self) {
        let entry = AuditEntry {
            at: now_millis(),
            actor: std::mem::take(&mut self.actor),
            action: "export".into(),
            subject: format!("list:{}", self.list),
            rows: self.sent.load(Ordering::Relaxed) as i64,
            detail: "web export (CSV)".into(),
        };
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.audit(entry).await {
                tracing::error!(error = %e, "could not audit an export");
            }
        });
    }
}
