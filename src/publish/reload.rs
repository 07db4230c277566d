//! Re-rendering the site when its folder changes (checked every few seconds, and at once
//! on SIGHUP). A broken edit is logged and the last good site stays up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use tokio::sync::watch;

use super::Published;

/// What identifies the folder's content cheaply: every file's path, size and mtime.
fn fingerprint(root: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => stack.push(path),
                Ok(meta) => out.push((path, meta.len(), meta.modified().ok())),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// Watches `site_dir` until `shutdown`, swapping in a newly rendered site after changes.
pub async fn watch_site(
    site_dir: PathBuf,
    site: Arc<ArcSwap<Published>>,
    load: impl Fn() -> anyhow::Result<Published> + Send + Sync + 'static,
    on_change: impl Fn() + Send + Sync + 'static,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let load = Arc::new(load);
    let mut last = fingerprint(&site_dir);
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        let forced = tokio::select! {
            _ = tokio::time::sleep(every) => false,
            Some(_) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            _ = shutdown.changed() => return,
        };
        let now = {
            let dir = site_dir.clone();
            tokio::task::spawn_blocking(move || fingerprint(&dir))
                .await
                .unwrap_or_default()
        };
        if !forced && now == last {
            continue;
        }
        last = now;
        let load = load.clone();
        match tokio::task::spawn_blocking(move || load()).await {
            Ok(Ok(published)) => {
                site.store(Arc::new(published));
                on_change();
                tracing::info!(folder = %site_dir.display(), "the site changed; pages rendered again");
            }
            Ok(Err(e)) => {
                tracing::error!(folder = %site_dir.display(), error = format!("{e:#}"), "the changed site has an error; still serving the previous version");
            }
            Err(e) => tracing::error!(error = %e, "re-rendering the site failed"),
        }
    }
}
