//! Group commit: one writer thread owns the only writing connection. Requests queue their
//! work on a bounded channel; the writer runs whatever has queued (up to a batch limit) in
//! one `BEGIN IMMEDIATE` transaction and answers every request only after `COMMIT` has
//! returned (with `synchronous=FULL`, after fsync).
//!
//! One fsync then covers many requests, which is where the throughput comes from; no
//! request is acknowledged before its data is durable.
//!
//! A failing piece of work fails alone: the batch is rolled back and each of its pieces
//! runs again in a transaction of its own. (Savepoints per piece would do the same, but
//! journal every page they touch; they cost a fifth of the writer's time.)

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::errors::map_sqlite_error;
use crate::store::{StoreError, StoreResult};

/// A piece of work for the writer, type-erased so one channel carries every kind.
trait Job: Send {
    /// Runs inside the batch's transaction; may run again (alone) if the batch is rolled
    /// back. Returns false when it failed.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Delivers the result once the batch's fate is known.
    fn finish(self: Box<Self>, commit: StoreResult<()>);
}

struct TypedJob<F, R> {
    work: F,
    result: Option<StoreResult<R>>,
    reply: oneshot::Sender<StoreResult<R>>,
}

impl<F, R> Job for TypedJob<F, R>
where
    F: Fn(&Connection) -> StoreResult<R> + Send,
    R: Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let work = &self.work;
        // A bug in one job must not take the writer (and every later request) down.
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| {
                Err(StoreError::Internal(anyhow::anyhow!(
                    "a database job panicked"
                )))
            });
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: StoreResult<()>) {
        let outcome = match (commit, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(StoreError::Unavailable),
        };
        // The requester may have gone away (client disconnected); that is fine.
        let _ = self.reply.send(outcome);
    }
}

/// Settings for the writer.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// How many requests may wait for the writer before new ones get 503.
    pub queue_capacity: usize,
    /// The most jobs committed together in one transaction.
    pub max_batch: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 8192,
            max_batch: 1024,
        }
    }
}

/// Counters for benchmarks and the dashboard.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub batches: AtomicU64,
    pub jobs: AtomicU64,
}

/// The handle requests use to reach the writer. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    sender: mpsc::Sender<Box<dyn Job>>,
    stats: Arc<WriterStats>,
}

impl Writer {
    /// Starts the writer thread on `conn`. The thread ends when every `Writer` is dropped.
    pub fn start(conn: Connection, config: WriterConfig) -> anyhow::Result<Self> {
        let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name("quietlist-db-writer".into())
            .spawn(move || writer_loop(conn, receiver, config.max_batch.max(1), &thread_stats))?;
        Ok(Self { sender, stats })
    }

    /// Runs `work` in the next batch and returns its result after the batch has committed.
    /// `work` may run twice (see the module's doc), so it must only touch the database.
    /// Fails fast with [`StoreError::Overloaded`] when the queue is full.
    pub async fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        F: Fn(&Connection) -> StoreResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            work,
            result: None,
            reply,
        });
        self.sender.try_send(job).map_err(|e| {
            let refused = match e {
                mpsc::error::TrySendError::Full(_) => StoreError::Overloaded,
                mpsc::error::TrySendError::Closed(_) => StoreError::Unavailable,
            };
            crate::metrics::database_error("sqlite", &refused);
            refused
        })?;
        answer.await.map_err(|_| StoreError::Unavailable)?
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }
}

fn writer_loop(
    conn: Connection,
    mut receiver: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    stats: &WriterStats,
) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(max_batch);
    let mut last_report = std::time::Instant::now();
    let (mut reported_batches, mut reported_jobs) = (0u64, 0u64);
    while let Some(first) = receiver.blocking_recv() {
        if last_report.elapsed() >= std::time::Duration::from_secs(10) {
            let batches = stats.batches.load(Ordering::Relaxed);
            let jobs = stats.jobs.load(Ordering::Relaxed);
            tracing::debug!(
                batches = batches - reported_batches,
                jobs = jobs - reported_jobs,
                "database writer: commits and writes in the last 10 s"
            );
            (reported_batches, reported_jobs) = (batches, jobs);
            last_report = std::time::Instant::now();
        }
        batch.push(first);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        metrics::histogram!(crate::metrics::WRITER_BATCH).record(batch.len() as f64);
        metrics::gauge!(crate::metrics::WRITER_QUEUE).set(receiver.len() as f64);
        match run_batch(&conn, &mut batch) {
            Ok(BatchOutcome::Committed) => {
                for job in batch.drain(..) {
                    job.finish(Ok(()));
                }
            }
            Ok(BatchOutcome::AJobFailed) => {
                // Rolled back: run each piece alone so that only the failing one fails.
                for mut job in batch.drain(..) {
                    let outcome = run_batch(&conn, std::slice::from_mut(&mut job));
                    job.finish(match outcome {
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "a write batch failed; its requests get 503");
                for job in batch.drain(..) {
                    job.finish(Err(clone_transient(&e)));
                }
            }
        }
    }
}

/// Runs one statement that has no parameters and returns no rows, prepared once.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

enum BatchOutcome {
    Committed,
    /// A job returned an error; the whole batch was rolled back.
    AJobFailed,
}

/// Runs `batch` in one transaction. With one job, a failing job is committed as a no-op
/// (its own error is its answer); with several, the batch is rolled back.
fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>]) -> StoreResult<BatchOutcome> {
    exec(conn, "BEGIN IMMEDIATE").map_err(map_sqlite_error)?;
    let alone = batch.len() == 1;
    for job in batch.iter_mut() {
        if !job.run(conn) {
            rollback(conn);
            if alone {
                return Ok(BatchOutcome::Committed);
            }
            return Ok(BatchOutcome::AJobFailed);
        }
    }
    if let Err(e) = exec(conn, "COMMIT") {
        rollback(conn);
        return Err(map_sqlite_error(e));
    }
    Ok(BatchOutcome::Committed)
}

fn rollback(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(error = %e, "rollback after a failed batch failed");
    }
}

/// Every request of a failed batch gets the same kind of error.
fn clone_transient(e: &StoreError) -> StoreError {
    match e {
        StoreError::Overloaded => StoreError::Overloaded,
        StoreError::DiskFull => StoreError::DiskFull,
        StoreError::Locked => StoreError::Locked,
        StoreError::Unavailable | StoreError::Internal(_) => StoreError::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Writer {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER UNIQUE)")
            .unwrap();
        Writer::start(conn, WriterConfig::default()).unwrap()
    }

    #[tokio::test]
    async fn a_failing_job_fails_alone_and_the_rest_of_its_batch_commits() {
        let w = writer();
        let mut tasks = Vec::new();
        for v in [1, 2, 2, 3] {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                w.write(move |c| {
                    c.execute("INSERT INTO t (v) VALUES (?1)", [v])
                        .map_err(|e| StoreError::Internal(e.into()))
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 3);
        let count: i64 = w
            .write(|c| {
                c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
                    .map_err(|e| StoreError::Internal(e.into()))
            })
            .await
            .unwrap();
        assert_eq!(count, 3);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let w = writer();
        #[allow(clippy::panic)]
        let r: StoreResult<()> = w.write(|_| panic!("boom")).await;
        assert!(r.is_err());
        let r = w
            .write(|c| {
                c.execute("INSERT INTO t (v) VALUES (9)", [])
                    .map_err(|e| StoreError::Internal(e.into()))
            })
            .await;
        assert!(r.is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_answers_overloaded_instead_of_growing() {
        let conn = Connection::open_in_memory().unwrap();
        let w = Writer::start(
            conn,
            WriterConfig {
                queue_capacity: 1,
                max_batch: 1,
            },
        )
        .unwrap();
        // Hold the writer busy, then fill its one queue slot.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = w.clone();
        let first = tokio::spawn(async move {
            busy.write(move |_| {
                let _ = wait.recv();
                Ok(())
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued = w.clone();
        let second = tokio::spawn(async move { queued.write(|_| Ok(())).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let third = w.write(|_| Ok(())).await;
        assert!(matches!(third, Err(StoreError::Overloaded)));
        release.send(()).unwrap();
        assert!(first.await.unwrap().is_ok());
        assert!(second.await.unwrap().is_ok());
    }
}
