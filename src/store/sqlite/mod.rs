//! The SQLite store: WAL, `synchronous=FULL`, one group-committing writer thread and a
//! pool of readers.

mod announce;
mod announce_runs;
mod api_keys;
pub mod backup;
mod cohorts;
mod connection;
pub mod copy;
mod errors;
mod export;
mod import;
mod key_check;
mod mail;
mod owner;
mod privacy;
mod readers;
mod roles;
mod signup;
mod webhooks;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc;

pub use connection::Durability;
use readers::Readers;
use writer::Writer;

use crate::domain::Status;
pub use writer::{WriterConfig, WriterStats};

use super::{
    AccessRequest, AdminRow, AnnouncementReport, AnnouncementRun, AuditEntry, BatchOutcome,
    CohortRow, ConfirmOutcome, Confirmation, DailyStat, DryRun, ExportRow, ImportBatch,
    ImportReport, InvitationInfo, InviteReport, InviteRequest, InviteResponse, KeyCheck,
    LoginAttempt, MailAttempt, MailClaim, MailJob, Millis, NewRun, NewSignup, NewToken, PersonRow,
    RetentionPolicy, RetentionReport, RunBatch, RunChange, RunChangeOutcome, RunProgress, RunStart,
    SignupOutcome, Store, StoreError, StoreResult, StoredToken, SubscriberRecord,
    UnsubscribeOutcome, WebhookAttempt, WebhookClaim, WebhookDeliveryRow, WebhookJob, WebhookRow,
};
use crate::store::{NewWebhook, NewsLookup, PublishChange, PublishedAnnouncement};

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
        Self::open_file(&data_dir.join(DATABASE_FILE), options)
    }

    /// Opens (creating and migrating if needed) the database file at `path`.
    pub fn open_file(path: &Path, options: &SqliteOptions) -> anyhow::Result<Arc<Self>> {
        let path = path.to_path_buf();
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

    async fn ready(&self) -> StoreResult<()> {
        // Through the writer, so that a stopped writer or a stuck lock shows.
        self.writer
            .write(|conn| {
                conn.query_row("SELECT 1", [], |_| Ok(()))
                    .map_err(|e| StoreError::Internal(e.into()))
            })
            .await
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

    async fn outbox_depth(&self) -> StoreResult<u64> {
        self.readers.read(mail::outbox_depth).await
    }

    async fn admin_upsert(
        &self,
        email_index: [u8; 32],
        email_sealed: Vec<u8>,
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                owner::admin_upsert(c, &email_index, &email_sealed, &password_hash, now)
            })
            .await
    }

    async fn admin_set_password(
        &self,
        email_index: [u8; 32],
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| owner::admin_set_password(c, &email_index, &password_hash, now))
            .await
    }

    async fn admin_remove(&self, email_index: [u8; 32]) -> StoreResult<bool> {
        self.writer
            .write(move |c| owner::admin_remove(c, &email_index))
            .await
    }

    async fn admins(&self) -> StoreResult<Vec<AdminRow>> {
        self.readers.read(owner::admins).await
    }

    async fn admin_set_role(
        &self,
        admin_id: i64,
        role: crate::domain::Role,
    ) -> StoreResult<Option<crate::domain::Role>> {
        self.writer
            .write(move |c| roles::admin_set_role(c, admin_id, role))
            .await
    }

    async fn admin_role(&self, admin_id: i64) -> StoreResult<Option<crate::domain::Role>> {
        self.readers
            .read(move |c| roles::admin_role(c, admin_id))
            .await
    }

    async fn admin_credentials(&self, email_index: [u8; 32]) -> StoreResult<Option<(i64, String)>> {
        self.readers
            .read(move |c| owner::admin_credentials(c, &email_index))
            .await
    }

    async fn session_create(
        &self,
        id_hash: [u8; 32],
        admin_id: i64,
        now: Millis,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c| owner::session_create(c, &id_hash, admin_id, now))
            .await
    }

    async fn session_check(
        &self,
        id_hash: [u8; 32],
        now: Millis,
        idle: Millis,
        absolute: Millis,
    ) -> StoreResult<Option<i64>> {
        // Read first; write the last-seen time only when it is a minute old, so that
        // browsing the dashboard does not queue a write per request.
        let seen = self
            .readers
            .read(move |c| owner::session_check(c, &id_hash, now, idle, absolute, false))
            .await?;
        match seen {
            Some((admin_id, last_seen)) if now - last_seen > 60 * super::SECOND => {
                self.writer
                    .write(move |c| owner::session_check(c, &id_hash, now, idle, absolute, true))
                    .await?;
                Ok(Some(admin_id))
            }
            other => Ok(other.map(|(id, _)| id)),
        }
    }

    async fn session_delete(&self, id_hash: [u8; 32]) -> StoreResult<()> {
        self.writer
            .write(move |c| owner::session_delete(c, &id_hash))
            .await
    }

    async fn begin_login_attempt(
        &self,
        keys: Vec<(String, u64)>,
        now: Millis,
        since: Millis,
    ) -> StoreResult<LoginAttempt> {
        self.writer
            .write(move |c| owner::begin_login_attempt(c, &keys, now, since))
            .await
    }

    async fn forgive_login_attempt(&self, attempt_ids: Vec<i64>) -> StoreResult<()> {
        self.writer
            .write(move |c| owner::forgive_login_attempt(c, &attempt_ids))
            .await
    }

    async fn api_key_create(&self, key: crate::store::NewApiKey) -> StoreResult<bool> {
        self.writer.write(move |c| api_keys::create(c, &key)).await
    }

    async fn api_keys(&self) -> StoreResult<Vec<crate::store::ApiKeyRow>> {
        self.readers.read(api_keys::all).await
    }

    async fn api_key_revoke(&self, name: String) -> StoreResult<bool> {
        self.writer.write(move |c| api_keys::revoke(c, &name)).await
    }

    async fn api_key_by_lookup(
        &self,
        lookup: String,
    ) -> StoreResult<Option<crate::store::ApiKeyRow>> {
        self.readers
            .read(move |c| api_keys::by_lookup(c, &lookup))
            .await
    }

    async fn api_key_used(&self, id: i64, now: Millis) -> StoreResult<()> {
        self.writer.write(move |c| api_keys::used(c, id, now)).await
    }

    async fn people_page(
        &self,
        list: &str,
        status: Option<Status>,
        after_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<PersonRow>> {
        let list = list.to_owned();
        self.readers
            .read(move |c| owner::people_page(c, &list, status, after_id, limit))
            .await
    }

    async fn find_person(&self, list: &str, email_index: [u8; 32]) -> StoreResult<Option<i64>> {
        let list = list.to_owned();
        self.readers
            .read(move |c| owner::find_person(c, &list, &email_index))
            .await
    }

    async fn resend_confirmation(
        &self,
        subscriber_id: i64,
        token: NewToken,
        now: Millis,
        interval: Millis,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| owner::resend_confirmation(c, subscriber_id, &token, now, interval))
            .await
    }

    async fn ensure_cohort(
        &self,
        list: &str,
        name: &str,
        capacity: i64,
        starts: Option<String>,
        now: Millis,
    ) -> StoreResult<()> {
        let (list, name) = (list.to_owned(), name.to_owned());
        self.writer
            .write(move |c| {
                cohorts::ensure_cohort(c, &list, &name, capacity, starts.as_deref(), now)
            })
            .await
    }

    async fn cohorts(&self, list: &str) -> StoreResult<Vec<CohortRow>> {
        let list = list.to_owned();
        self.readers.read(move |c| cohorts::cohorts(c, &list)).await
    }

    async fn invite_next(&self, request: InviteRequest) -> StoreResult<Option<InviteReport>> {
        self.writer
            .write(move |c| cohorts::invite_next(c, &request))
            .await
    }

    async fn respond_to_invitation(
        &self,
        token_id: i64,
        accept: bool,
        now: Millis,
    ) -> StoreResult<InviteResponse> {
        self.writer
            .write(move |c| cohorts::respond(c, token_id, accept, now))
            .await
    }

    async fn invitation(&self, token_id: i64) -> StoreResult<Option<InvitationInfo>> {
        self.readers
            .read(move |c| cohorts::invitation(c, token_id))
            .await
    }

    async fn expire_invitations(&self, now: Millis) -> StoreResult<u64> {
        self.writer
            .write(move |c| cohorts::expire_invitations(c, now))
            .await
    }

    async fn import_batch(&self, batch: ImportBatch) -> StoreResult<ImportReport> {
        self.writer
            .write(move |c| import::import_batch(c, &batch))
            .await
    }

    async fn check_key(&self, fingerprint: String, now: Millis) -> StoreResult<KeyCheck> {
        self.writer
            .write(move |c| key_check::check_key(c, &fingerprint, now))
            .await
    }

    async fn add_daily(&self, stats: Vec<DailyStat>) -> StoreResult<()> {
        self.writer
            .write(move |c| owner::add_daily(c, &stats))
            .await
    }

    async fn start_announcement(&self, run: NewRun) -> StoreResult<RunStart> {
        self.writer
            .write(move |c| announce::start_announcement(c, &run))
            .await
    }

    async fn due_announcements(
        &self,
        now: Millis,
        horizon: Millis,
    ) -> StoreResult<Vec<AnnouncementRun>> {
        self.readers
            .read(move |c| announce::due_announcements(c, now, horizon))
            .await
    }

    async fn queue_announcement_batch(&self, batch: RunBatch) -> StoreResult<BatchOutcome> {
        self.writer
            .write(move |c| announce::queue_batch(c, &batch))
            .await
    }

    async fn announcement_dry_run(&self, dry: DryRun) -> StoreResult<AnnouncementReport> {
        self.readers.read(move |c| announce::dry_run(c, &dry)).await
    }

    async fn change_announcement(&self, change: RunChange) -> StoreResult<RunChangeOutcome> {
        self.writer
            .write(move |c| announce_runs::change(c, &change))
            .await
    }

    async fn announcement_runs(&self, list: &str) -> StoreResult<Vec<RunProgress>> {
        let list = list.to_owned();
        self.readers
            .read(move |c| announce_runs::runs(c, &list))
            .await
    }

    async fn announcement_run(&self, list: &str, key: &str) -> StoreResult<Option<RunProgress>> {
        let (list, key) = (list.to_owned(), key.to_owned());
        self.readers
            .read(move |c| announce_runs::run(c, &list, &key))
            .await
    }

    async fn set_announcement_published(
        &self,
        change: PublishChange,
    ) -> StoreResult<Option<AnnouncementRun>> {
        self.writer
            .write(move |c| announce_runs::set_published(c, &change))
            .await
    }

    async fn published_announcements(
        &self,
        now: Millis,
        limit: u32,
    ) -> StoreResult<Vec<PublishedAnnouncement>> {
        self.readers
            .read(move |c| announce_runs::published(c, now, limit))
            .await
    }

    async fn published_announcement(&self, id: i64, now: Millis) -> StoreResult<NewsLookup> {
        self.readers
            .read(move |c| announce_runs::published_one(c, id, now))
            .await
    }

    async fn daily_stats(&self, since_day: String) -> StoreResult<Vec<DailyStat>> {
        self.readers
            .read(move |c| owner::daily_stats(c, &since_day))
            .await
    }

    async fn webhook_add(&self, webhook: NewWebhook) -> StoreResult<i64> {
        self.writer.write(move |c| webhooks::add(c, &webhook)).await
    }

    async fn webhook_remove(&self, webhook_id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |c| webhooks::remove(c, webhook_id))
            .await
    }

    async fn webhooks(&self) -> StoreResult<Vec<WebhookRow>> {
        self.readers.read(webhooks::list).await
    }

    async fn claim_webhook_deliveries(&self, claim: WebhookClaim) -> StoreResult<Vec<WebhookJob>> {
        self.writer.write(move |c| webhooks::claim(c, &claim)).await
    }

    async fn record_webhook_attempts(&self, attempts: Vec<WebhookAttempt>) -> StoreResult<()> {
        self.writer
            .write(move |c| {
                attempts
                    .iter()
                    .try_for_each(|attempt| webhooks::record(c, attempt))
            })
            .await
    }

    async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDeliveryRow>> {
        self.readers
            .read(move |c| webhooks::deliveries(c, webhook_id, limit))
            .await
    }

    async fn webhook_replay(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: Millis,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| webhooks::replay(c, webhook_id, delivery_id, now))
            .await
    }
}
