//! The SQLite store: WAL, `synchronous=FULL`, one group-committing writer thread and a
//! pool of readers.

mod connection;
mod errors;
mod export;
mod mail;
mod privacy;
mod readers;
mod signup;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc;

pub use connection::Durability;
use readers::Readers;
use writer::Writer;
pub use writer::{WriterConfig, WriterStats};

use super::{
    AccessRequest, AuditEntry, ConfirmOutcome, Confirmation, ExportRow, MailAttempt, MailClaim,
    MailJob, Millis, NewSignup, RetentionPolicy, RetentionReport, SignupOutcome, Store,
    StoreResult, StoredToken, SubscriberRecord, UnsubscribeOutcome,
};

pub const DATABASE_FILE: &str = "quietlist.sqlite3";

#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub durability: Durability,
    pub writer: WriterConfig,
    pub readers: usize,
    pub busy_timeout: std::time::Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            writer: WriterConfig::default(),
            readers: 4,
            busy_timeout: connection::BUSY_TIMEOUT,
        }
    }
}

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
    /// Consent texts already stored: most signups need not write theirs again.
    known_consent_texts: Mutex<HashSet<String>>,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database in `data_dir`.
    pub fn open(data_dir: &Path, options: &SqliteOptions) -> anyhow::Result<Arc<Self>> {
        let path = data_dir.join(DATABASE_FILE);
        let mut conn = connection::open_writer(&path, options.durability, options.busy_timeout)?;
        connection::migrate(&mut conn)?;
        let readers = Readers::open(&path, options.readers)?;
        let writer = Writer::start(conn, options.writer)?;
        Ok(Arc::new(Self {
            writer,
            readers,
            path,
            known_consent_texts: Mutex::new(HashSet::new()),
        }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn writer_stats(&self) -> &WriterStats {
        self.writer.stats()
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_signup(&self, s: NewSignup) -> StoreResult<SignupOutcome> {
        let text_hash = s.consent.text_hash.clone();
        let text_known = self
            .known_consent_texts
            .lock()
            .is_ok_and(|known| known.contains(&text_hash));
        let outcome = self
            .writer
            .write(move |conn| signup::record_signup(conn, &s, !text_known))
            .await?;
        if !text_known && let Ok(mut known) = self.known_consent_texts.lock() {
            known.insert(text_hash);
        }
        Ok(outcome)
    }

    async fn token(&self, token_id: i64) -> StoreResult<Option<StoredToken>> {
        self.readers
            .read(move |conn| signup::token(conn, token_id))
            .await
    }

    async fn confirmation_token(&self, subscriber_id: i64) -> StoreResult<Option<StoredToken>> {
        self.readers
            .read(move |conn| signup::confirmation_token(conn, subscriber_id))
            .await
    }

    async fn confirm(&self, c: Confirmation) -> StoreResult<ConfirmOutcome> {
        self.writer
            .write(move |conn| signup::confirm(conn, &c))
            .await
    }

    async fn place_in_line(&self, subscriber_id: i64) -> StoreResult<Option<u64>> {
        self.readers
            .read(move |conn| signup::place_in_line(conn, subscriber_id))
            .await
    }

    async fn claim_mail(&self, claim: MailClaim) -> StoreResult<Vec<MailJob>> {
        self.writer
            .write(move |conn| mail::claim_mail(conn, &claim))
            .await
    }

    async fn record_attempts(&self, attempts: Vec<MailAttempt>) -> StoreResult<()> {
        self.writer
            .write(move |conn| {
                attempts
                    .iter()
                    .try_for_each(|attempt| mail::record_attempt(conn, attempt))
            })
            .await
    }

    async fn export(&self, list: &str) -> StoreResult<mpsc::Receiver<StoreResult<ExportRow>>> {
        let (tx, rx) = mpsc::channel(256);
        let list = list.to_owned();
        self.readers
            .with_connection_blocking(move |conn| export::stream_list(conn, &list, &tx))
            .await?;
        Ok(rx)
    }

    async fn count_by_status(&self, list: &str) -> StoreResult<Vec<(String, u64)>> {
        let list = list.to_owned();
        self.readers
            .read(move |conn| export::count_by_status(conn, &list))
            .await
    }

    async fn unsubscribe(
        &self,
        subscriber_id: i64,
        now: Millis,
    ) -> StoreResult<UnsubscribeOutcome> {
        self.writer
            .write(move |conn| privacy::unsubscribe(conn, subscriber_id, now))
            .await
    }

    async fn subscriber(&self, subscriber_id: i64) -> StoreResult<Option<SubscriberRecord>> {
        self.readers
            .read(move |conn| privacy::subscriber(conn, subscriber_id))
            .await
    }

    async fn erase(
        &self,
        subscriber_id: i64,
        actor: String,
        now: Millis,
    ) -> StoreResult<Option<String>> {
        self.writer
            .write(move |conn| privacy::erase(conn, subscriber_id, &actor, now))
            .await
    }

    async fn request_access(&self, request: AccessRequest) -> StoreResult<u64> {
        self.writer
            .write(move |conn| privacy::request_access(conn, &request))
            .await
    }

    async fn audit(&self, entry: AuditEntry) -> StoreResult<()> {
        self.writer
            .write(move |conn| privacy::audit(conn, &entry))
            .await
    }

    async fn audit_log(&self) -> StoreResult<Vec<AuditEntry>> {
        self.readers.read(privacy::audit_log).await
    }

    async fn apply_retention(&self, policy: RetentionPolicy) -> StoreResult<RetentionReport> {
        self.writer
            .write(move |conn| privacy::apply_retention(conn, &policy))
            .await
    }

    async fn counters(&self) -> StoreResult<Vec<(String, i64)>> {
        self.readers.read(privacy::counters).await
    }
}
