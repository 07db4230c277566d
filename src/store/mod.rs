//! Storage behind one trait. SQL lives only below this folder.
//!
//! Every method is one transaction. Methods take and return plain data (sealed bytes,
//! hashes, millisecond timestamps): encryption and rendering happen in the callers, so
//! a backend never sees an address in clear.

mod api_keys;
pub mod copy;
mod open;
pub mod postgres;
mod runs;
pub mod sqlite;
mod types;
mod webhooks;

pub use open::{DatabaseSettings, DatabaseUrl, PostgresSettings, SqliteSettings, open, open_copy};

use async_trait::async_trait;

use crate::domain::Status;

pub use api_keys::*;
pub use runs::*;
pub use types::*;
pub use webhooks::*;

/// Errors a caller must tell apart. Anything else is `Internal`, logged once at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Too many writes are queued; the caller should answer 503 with `Retry-After`.
    #[error("the database is busy; try again shortly")]
    Overloaded,
    /// The disk is full: nothing was written.
    #[error("the disk is full; nothing was written")]
    DiskFull,
    /// Another process holds the database lock for longer than the busy timeout.
    #[error("the database is locked by another process")]
    Locked,
    /// The database is shutting down or its writer has stopped.
    #[error("the database is not available")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl StoreError {
    /// Errors after which the same request may succeed later (answer 503, not 500).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Overloaded | Self::DiskFull | Self::Locked | Self::Unavailable
        )
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The storage contract, implemented by SQLite (one node) and PostgreSQL (any number of
/// nodes on one database). Nothing here exposes a connection or SQL.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Records a signup and, when the address may get one, queues its confirmation mail,
    /// all in one transaction. The outcome is for logs and metrics only: callers must
    /// answer every outcome alike, so that no one can learn who is on a list.
    async fn record_signup(&self, signup: NewSignup) -> StoreResult<SignupOutcome>;

    /// Answers once the database takes reads and writes and its migrations are done (for
    /// `/readyz`); a transient error when it does not.
    async fn ready(&self) -> StoreResult<()>;

    /// A link token's row and what it points at, without changing anything.
    async fn token(&self, token_id: i64) -> StoreResult<Option<StoredToken>>;

    /// A person's confirmation link, as a token row whose id is the person's id.
    async fn confirmation_token(&self, subscriber_id: i64) -> StoreResult<Option<StoredToken>>;

    /// Confirms the person behind a confirmation token, records their consent and queues
    /// their welcome mail. Confirming twice is harmless.
    async fn confirm(&self, confirmation: Confirmation) -> StoreResult<ConfirmOutcome>;

    /// The person's place in line (1 = next), or `None` when they are not waiting.
    async fn place_in_line(&self, subscriber_id: i64) -> StoreResult<Option<u64>>;

    /// Claims up to `limit` mails that are due, leasing them for `lease_ms`.
    async fn claim_mail(&self, claim: MailClaim) -> StoreResult<Vec<MailJob>>;

    /// Records the outcomes of delivery attempts, in one transaction.
    async fn record_attempts(&self, attempts: Vec<MailAttempt>) -> StoreResult<()>;

    /// Streams a list's people in line order (confirmed first, by place; then the rest by
    /// signup time). Rows arrive on the returned channel; an error ends the stream.
    async fn export(
        &self,
        list: &str,
    ) -> StoreResult<tokio::sync::mpsc::Receiver<StoreResult<ExportRow>>>;

    /// How many people a list has in each status.
    async fn count_by_status(&self, list: &str) -> StoreResult<Vec<(String, u64)>>;

    /// Unsubscribes a person, at once and for good (idempotent).
    async fn unsubscribe(&self, subscriber_id: i64, now: Millis)
    -> StoreResult<UnsubscribeOutcome>;

    /// Everything stored about a person.
    async fn subscriber(&self, subscriber_id: i64) -> StoreResult<Option<SubscriberRecord>>;

    /// Erases a person: deletes their row (and with it their links and mails) and keeps
    /// only the keyed hash of their address in the suppression list. Audited. Returns the
    /// list they were on, or `None` if there was no such person.
    async fn erase(
        &self,
        subscriber_id: i64,
        actor: String,
        now: Millis,
    ) -> StoreResult<Option<String>>;

    /// Queues a mail with a new manage link for every confirmed person with this address.
    /// Returns how many were queued (for logs only; callers answer every case alike).
    async fn request_access(&self, request: AccessRequest) -> StoreResult<u64>;

    /// Appends to the audit log.
    async fn audit(&self, entry: AuditEntry) -> StoreResult<()>;

    /// The audit log, oldest first.
    async fn audit_log(&self) -> StoreResult<Vec<AuditEntry>>;

    /// Deletes what has outlived its retention period.
    async fn apply_retention(&self, policy: RetentionPolicy) -> StoreResult<RetentionReport>;

    /// The counters behind the privacy page (mails sent by kind, exports, erasures).
    async fn counters(&self) -> StoreResult<Vec<(String, i64)>>;

    /// Mails waiting in the outbox (queued or claimed and not yet reported), for the
    /// metrics.
    async fn outbox_depth(&self) -> StoreResult<u64>;

    // --- The owner's side -----------------------------------------------------------

    /// Creates an owner or sets their password (ending the account's sessions); true when
    /// created.
    async fn admin_upsert(
        &self,
        email_index: [u8; 32],
        email_sealed: Vec<u8>,
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool>;
    /// Changes a password and ends the account's sessions; false if no such owner.
    async fn admin_set_password(
        &self,
        email_index: [u8; 32],
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool>;
    async fn admin_remove(&self, email_index: [u8; 32]) -> StoreResult<bool>;
    async fn admins(&self) -> StoreResult<Vec<AdminRow>>;
    /// Sets an account's role; the role it had before, or `None` if no such account.
    async fn admin_set_role(
        &self,
        admin_id: i64,
        role: crate::domain::Role,
    ) -> StoreResult<Option<crate::domain::Role>>;
    /// An account's role, read on every request so that a change holds at once.
    async fn admin_role(&self, admin_id: i64) -> StoreResult<Option<crate::domain::Role>>;
    /// (owner id, password hash) for a login.
    async fn admin_credentials(&self, email_index: [u8; 32]) -> StoreResult<Option<(i64, String)>>;
    async fn session_create(
        &self,
        id_hash: [u8; 32],
        admin_id: i64,
        now: Millis,
    ) -> StoreResult<()>;
    /// The owner of a session that is within its idle and absolute timeouts.
    async fn session_check(
        &self,
        id_hash: [u8; 32],
        now: Millis,
        idle: Millis,
        absolute: Millis,
    ) -> StoreResult<Option<i64>>;
    async fn session_delete(&self, id_hash: [u8; 32]) -> StoreResult<()>;
    /// Counts a sign-in attempt against every key before the password is checked, in one
    /// transaction, so parallel attempts cannot all pass the limit: admitted only while
    /// each key has fewer than its limit of attempts since `since`. Old attempts are
    /// forgotten on the way.
    async fn begin_login_attempt(
        &self,
        keys: Vec<(String, u64)>,
        now: Millis,
        since: Millis,
    ) -> StoreResult<LoginAttempt>;
    /// A sign-in succeeded: its attempt no longer counts against anyone.
    async fn forgive_login_attempt(&self, attempt_ids: Vec<i64>) -> StoreResult<()>;

    // --- API keys ---------------------------------------------------------------------

    /// Records a new key; false when a key already has that name.
    async fn api_key_create(&self, key: NewApiKey) -> StoreResult<bool>;
    /// Every key, by name.
    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRow>>;
    /// Forgets a key for good; false when there is none by that name.
    async fn api_key_revoke(&self, name: String) -> StoreResult<bool>;
    /// The key whose lookup prefix this is.
    async fn api_key_by_lookup(&self, lookup: String) -> StoreResult<Option<ApiKeyRow>>;
    /// Marks a key used at `now`.
    async fn api_key_used(&self, id: i64, now: Millis) -> StoreResult<()>;

    /// One page of a list's people, newest first, below `after_id` (keyset pagination).
    async fn people_page(
        &self,
        list: &str,
        status: Option<Status>,
        after_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<PersonRow>>;
    async fn find_person(&self, list: &str, email_index: [u8; 32]) -> StoreResult<Option<i64>>;
    /// A new confirmation mail for someone still unconfirmed, within the daily limit.
    async fn resend_confirmation(
        &self,
        subscriber_id: i64,
        token: NewToken,
        now: Millis,
        interval: Millis,
    ) -> StoreResult<bool>;

    async fn ensure_cohort(
        &self,
        list: &str,
        name: &str,
        capacity: i64,
        starts: Option<String>,
        now: Millis,
    ) -> StoreResult<()>;
    async fn cohorts(&self, list: &str) -> StoreResult<Vec<CohortRow>>;
    /// `None` when the cohort does not exist.
    async fn invite_next(&self, request: InviteRequest) -> StoreResult<Option<InviteReport>>;
    async fn respond_to_invitation(
        &self,
        token_id: i64,
        accept: bool,
        now: Millis,
    ) -> StoreResult<InviteResponse>;
    /// (list, cohort, state, cohort start) of the invitation behind a token.
    async fn invitation(&self, token_id: i64) -> StoreResult<Option<InvitationInfo>>;
    async fn expire_invitations(&self, now: Millis) -> StoreResult<u64>;

    async fn import_batch(&self, batch: ImportBatch) -> StoreResult<ImportReport>;

    /// Compares `fingerprint` (a check value of the secret key, never the key) with the
    /// one stored, and stores it when none is, or when nothing written with the old key
    /// is left. One transaction.
    async fn check_key(&self, fingerprint: String, now: Millis) -> StoreResult<KeyCheck>;

    async fn add_daily(&self, stats: Vec<DailyStat>) -> StoreResult<()>;

    /// Records an announcement and its run (from `send_at`), audited by the caller; the
    /// dispatcher queues its people later. The same key again while a run is scheduled,
    /// sending, paused or cancelled returns that run unchanged; after a finished run it
    /// starts a new pass, which adds nobody already queued (`announcement_mails` is once
    /// per person, ever).
    async fn start_announcement(&self, run: NewRun) -> StoreResult<RunStart>;
    /// Runs that are due: scheduled with `send_at <= now`, or sending with their next
    /// slot before `now + horizon`.
    async fn due_announcements(
        &self,
        now: Millis,
        horizon: Millis,
    ) -> StoreResult<Vec<AnnouncementRun>>;
    /// Queues the next people of a run, after its cursor, in one short transaction that
    /// holds the run's row (so that two nodes never take the same batch): each person
    /// checked (once per person, a refused address, the cap's last place kept), each mail
    /// due at the next slot. Starts a due scheduled run; finishes a run whose audience is
    /// exhausted.
    async fn queue_announcement_batch(&self, batch: RunBatch) -> StoreResult<BatchOutcome>;
    /// The figures a run of this announcement would end with, changing nothing: the
    /// same rules over the same people.
    async fn announcement_dry_run(&self, dry: DryRun) -> StoreResult<AnnouncementReport>;
    /// Pauses, resumes or cancels a run. A cancel skips its unsent mails; a resume makes
    /// them due again from now, at the rate.
    async fn change_announcement(&self, change: RunChange) -> StoreResult<RunChangeOutcome>;
    /// A list's announcements, newest first, with what their mails became.
    async fn announcement_runs(&self, list: &str) -> StoreResult<Vec<RunProgress>>;
    async fn announcement_run(&self, list: &str, key: &str) -> StoreResult<Option<RunProgress>>;
    async fn daily_stats(&self, since_day: String) -> StoreResult<Vec<DailyStat>>;

    // --- Announcements on the site ----------------------------------------------------

    /// Puts an announcement on the site (at once when its run has started, else when it
    /// starts) or takes it down; the run as it is now, or `None` when there is none.
    async fn set_announcement_published(
        &self,
        change: PublishChange,
    ) -> StoreResult<Option<AnnouncementRun>>;
    /// The newest `limit` announcements on the site at `now`, newest first.
    async fn published_announcements(
        &self,
        now: Millis,
        limit: u32,
    ) -> StoreResult<Vec<PublishedAnnouncement>>;
    /// One announcement by id, as `/news/{id}` shows it at `now`.
    async fn published_announcement(&self, id: i64, now: Millis) -> StoreResult<NewsLookup>;

    // --- Webhooks (deliveries are queued by the events' own transactions) ---------------

    async fn webhook_add(&self, webhook: NewWebhook) -> StoreResult<i64>;
    /// Removes a webhook and its delivery log; false if there was none.
    async fn webhook_remove(&self, webhook_id: i64) -> StoreResult<bool>;
    async fn webhooks(&self) -> StoreResult<Vec<WebhookRow>>;
    /// Claims up to `limit` due deliveries, leasing them; two claimers (two nodes) never
    /// take the same one while its lease lasts.
    async fn claim_webhook_deliveries(&self, claim: WebhookClaim) -> StoreResult<Vec<WebhookJob>>;
    /// Records the outcomes of delivery attempts, in one transaction.
    async fn record_webhook_attempts(&self, attempts: Vec<WebhookAttempt>) -> StoreResult<()>;
    /// A webhook's deliveries, newest first.
    async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDeliveryRow>>;
    /// Queues a delivery of this webhook again, due now; false when there is none (or it
    /// is in flight this moment).
    async fn webhook_replay(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: Millis,
    ) -> StoreResult<bool>;
}
