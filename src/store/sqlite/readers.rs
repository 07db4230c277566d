//! A small pool of read-only connections. WAL lets them read while the writer commits.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::connection::open_reader;
use crate::store::{StoreError, StoreResult};

#[derive(Clone)]
pub struct Readers {
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub fn open(path: &Path, size: usize) -> anyhow::Result<Self> {
        let size = size.max(1);
        let conns = (0..size)
            .map(|_| open_reader(path))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            idle: Arc::new(Mutex::new(conns)),
            permits: Arc::new(Semaphore::new(size)),
        })
    }

    /// Runs `work` on a pooled connection on the blocking thread pool.
    pub async fn read<R, F>(&self, work: F) -> StoreResult<R>
    where
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable)?;
        let idle = self.idle.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = idle
                .lock()
                .map_err(|_| StoreError::Unavailable)?
                .pop()
                .ok_or(StoreError::Unavailable)?;
            let result = work(&conn);
            if let Ok(mut pool) = idle.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|_| StoreError::Internal(anyhow::anyhow!("a read task panicked")))?
    }

    /// Hands a connection to a long-running blocking task (a streamed export) for as
    /// long as it runs.
    pub async fn with_connection_blocking<F>(&self, work: F) -> StoreResult<()>
    where
        F: FnOnce(&Connection) + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable)?;
        let conn = self
            .idle
            .lock()
            .map_err(|_| StoreError::Unavailable)?
            .pop()
            .ok_or(StoreError::Unavailable)?;
        let idle = self.idle.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&conn);
            if let Ok(mut pool) = idle.lock() {
                pool.push(conn);
            }
        });
        Ok(())
    }
}
