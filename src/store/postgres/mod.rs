//! The PostgreSQL store, for any number of nodes on one database.
//!
//! tokio-postgres with a deadpool pool: small and well kept, plain SQL like the SQLite
//! code beside it, and nothing that needs a database at compile time.
//!
//! Every method is one transaction (READ COMMITTED), answered only after COMMIT has
//! returned (with PostgreSQL's default `synchronous_commit=on`, after the WAL is on
//! disk). Where SQLite's single writer makes a rule hold by running every write in turn,
//! this backend takes a lock that every node sees (see `locks.rs` and each file's doc):
//! a transaction that lost a deadlock, or a lock it waited too long for, runs again a few
//! times before the caller hears `Locked`. Every wait is bounded, so a node cut off from
//! the database answers `Unavailable` (503) within `operation_timeout`.
//!
//! TLS: `sslmode=disable` connects in the clear; `prefer` (libpq's default) and
//! `require` use rustls, and the server's certificate is always verified (see
//! `connection::parse_url`).

mod announce;
mod announce_runs;
mod api_keys;
mod cohorts;
mod connection;
pub mod copy;
mod db;
mod errors;
mod export;
mod import;
mod key_check;
mod locks;
mod mail;
mod migrations;
mod owner;
mod privacy;
mod roles;
mod signup;
pub mod testing;
mod webhooks;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use deadpool_postgres::Pool;
use tokio::sync::mpsc;

pub use connection::{PostgresOptions, describe_url};
use errors::{PgContext, map_pool_error};

use super::{
    AccessRequest, AdminRow, AnnouncementReport, AnnouncementRun, AuditEntry, BatchOutcome,
    CohortRow, ConfirmOutcome, Confirmation, DailyStat, DryRun, ExportRow, ImportBatch,
    ImportReport, InvitationInfo, InviteReport, InviteRequest, InviteResponse, KeyCheck,
    LoginAttempt, MailAttempt, MailClaim, MailJob, Millis, NewRun, NewSignup, NewToken, PersonRow,
    RetentionPolicy, RetentionReport, RunBatch, RunChange, RunChangeOutcome, RunProgress, RunStart,
    SignupOutcome, Store, StoreError, StoreResult, StoredToken, SubscriberRecord,
    UnsubscribeOutcome, WebhookAttempt, WebhookClaim, WebhookDeliveryRow, WebhookJob, WebhookRow,
};
use crate::domain::Status;
use crate::store::{NewWebhook, NewsLookup, PublishChange, PublishedAnnouncement};

pub struct PostgresStore {
    pool: Pool,
    options: PostgresOptions,
    /// Consent texts already stored: most signups need not write theirs again.
    known_consent_texts: Mutex<HashSet<String>>,
}

/// How often a transaction that lost a deadlock or a lock wait runs again.
const RETRIES: u32 = 3;

/// Runs `$body` (an expression that may use the transaction `$tx`) in a transaction on
/// a pooled connection, commits, and retries the whole on `Locked`; all within `$limit`.
macro_rules! in_transaction {
    ($store:expr, $limit:expr, |$tx:ident| $body:expr) => {{
        let store: &PostgresStore = $store;
        store
            .bounded($limit, async {
                let mut retries = 0;
                loop {
                    let attempt: StoreResult<_> = async {
                        let mut client = store.client().await?;
                        let $tx = client.transaction().await.sql("beginning a transaction")?;
                        let value = $body.await?;
                        $tx.commit().await.sql("committing")?;
                        Ok(value)
                    }
                    .await;
                    match attempt {
                        Err(StoreError::Locked) if retries < RETRIES => {
                            retries += 1;
                            tokio::time::sleep(backoff(retries)).await;
                        }
                        other => break other,
                    }
                }
            })
            .await
    }};
    ($store:expr, |$tx:ident| $body:expr) => {{
        let store: &PostgresStore = $store;
        in_transaction!(store, store.options.operation_timeout, |$tx| $body)
    }};
}

fn backoff(retry: u32) -> Duration {
    let jitter = u64::from(rand::random::<u8>() % 20);
    Duration::from_millis(10 * u64::from(retry) + jitter)
}

impl PostgresStore {
    /// Connects (TLS as the URL's `sslmode` says), applies the migrations under an
    /// advisory lock, and opens the pool.
    pub async fn connect(url: &str, options: &PostgresOptions) -> anyhow::Result<Arc<Self>> {
        let parsed = connection::parse_url(url, options)?;
        let pool = connection::pool(parsed, options)?;
        migrations::migrate(&pool)
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(Arc::new(Self {
            pool,
            options: options.clone(),
            known_consent_texts: Mutex::new(HashSet::new()),
        }))
    }

    /// The pool, for tools that move whole tables (`db copy`) and for readiness checks.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(map_pool_error)
    }

    /// Past `limit`, whatever the network does, the answer is `Unavailable`.
    async fn bounded<R>(
        &self,
        limit: Duration,
        work: impl Future<Output = StoreResult<R>>,
    ) -> StoreResult<R> {
        match tokio::time::timeout(limit, work).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    limit_ms = limit.as_millis() as u64,
                    "a database operation timed out"
                );
                Err(StoreError::Unavailable)
            }
        }
    }

    /// For the owner's long jobs: a longer statement timeout inside this transaction.
    async fn long_statements(&self, tx: &db::Tx<'_>) -> StoreResult<()> {
        tx.batch_execute(&format!(
            "SET LOCAL statement_timeout = {}",
            self.options.long_operation_timeout.as_millis()
        ))
        .await
        .sql("allowing a long job")
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn record_signup(&self, s: NewSignup) -> StoreResult<SignupOutcome> {
        let text_hash = s.consent.text_hash.clone();
        let text_known = self
            .known_consent_texts
            .lock()
            .is_ok_and(|known| known.contains(&text_hash));
        let outcome = in_transaction!(self, |tx| signup::record_signup(&tx, &s, !text_known))?;
        if !text_known && let Ok(mut known) = self.known_consent_texts.lock() {
            known.insert(text_hash);
        }
        Ok(outcome)
    }

    async fn ready(&self) -> StoreResult<()> {
        let applied = in_transaction!(self, |tx| migrations::applied(&tx))?;
        if applied < migrations::latest() {
            // Another node is still migrating.
            return Err(StoreError::Unavailable);
        }
        Ok(())
    }

    async fn token(&self, token_id: i64) -> StoreResult<Option<StoredToken>> {
        in_transaction!(self, |tx| signup::token(&tx, token_id))
    }

    async fn confirmation_token(&self, subscriber_id: i64) -> StoreResult<Option<StoredToken>> {
        in_transaction!(self, |tx| signup::confirmation_token(&tx, subscriber_id))
    }

    async fn confirm(&self, c: Confirmation) -> StoreResult<ConfirmOutcome> {
        in_transaction!(self, |tx| signup::confirm(&tx, &c))
    }

    async fn place_in_line(&self, subscriber_id: i64) -> StoreResult<Option<u64>> {
        in_transaction!(self, |tx| signup::place_in_line(&tx, subscriber_id))
    }

    async fn claim_mail(&self, claim: MailClaim) -> StoreResult<Vec<MailJob>> {
        in_transaction!(self, |tx| mail::claim_mail(&tx, &claim))
    }

    async fn record_attempts(&self, attempts: Vec<MailAttempt>) -> StoreResult<()> {
        in_transaction!(self, |tx| async {
            for attempt in &attempts {
                mail::record_attempt(&tx, attempt).await?;
            }
            Ok::<_, StoreError>(())
        })
    }

    async fn export(&self, list: &str) -> StoreResult<mpsc::Receiver<StoreResult<ExportRow>>> {
        let (tx, rx) = mpsc::channel(256);
        let client = self
            .bounded(self.options.operation_timeout, self.client())
            .await?;
        tokio::spawn(export::stream_list(client, list.to_owned(), tx));
        Ok(rx)
    }

    async fn count_by_status(&self, list: &str) -> StoreResult<Vec<(String, u64)>> {
        in_transaction!(self, |tx| export::count_by_status(&tx, list))
    }

    async fn unsubscribe(
        &self,
        subscriber_id: i64,
        now: Millis,
    ) -> StoreResult<UnsubscribeOutcome> {
        in_transaction!(self, |tx| privacy::unsubscribe(&tx, subscriber_id, now))
    }

    async fn subscriber(&self, subscriber_id: i64) -> StoreResult<Option<SubscriberRecord>> {
        in_transaction!(self, |tx| privacy::subscriber(&tx, subscriber_id))
    }

    async fn erase(
        &self,
        subscriber_id: i64,
        actor: String,
        now: Millis,
    ) -> StoreResult<Option<String>> {
        in_transaction!(self, |tx| privacy::erase(&tx, subscriber_id, &actor, now))
    }

    async fn request_access(&self, request: AccessRequest) -> StoreResult<u64> {
        in_transaction!(self, |tx| privacy::request_access(&tx, &request))
    }

    async fn audit(&self, entry: AuditEntry) -> StoreResult<()> {
        in_transaction!(self, |tx| privacy::audit(&tx, &entry))
    }

    async fn audit_log(&self) -> StoreResult<Vec<AuditEntry>> {
        in_transaction!(self, |tx| privacy::audit_log(&tx))
    }

    async fn apply_retention(&self, policy: RetentionPolicy) -> StoreResult<RetentionReport> {
        in_transaction!(self, self.options.long_operation_timeout, |tx| async {
            self.long_statements(&tx).await?;
            privacy::apply_retention(&tx, &policy).await
        })
    }

    async fn counters(&self) -> StoreResult<Vec<(String, i64)>> {
        in_transaction!(self, |tx| privacy::counters(&tx))
    }

    async fn outbox_depth(&self) -> StoreResult<u64> {
        in_transaction!(self, |tx| mail::outbox_depth(&tx))
    }

    async fn admin_upsert(
        &self,
        email_index: [u8; 32],
        email_sealed: Vec<u8>,
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool> {
        in_transaction!(self, |tx| owner::admin_upsert(
            &tx,
            &email_index,
            &email_sealed,
            &password_hash,
            now
        ))
    }

    async fn admin_set_password(
        &self,
        email_index: [u8; 32],
        password_hash: String,
        now: Millis,
    ) -> StoreResult<bool> {
        in_transaction!(self, |tx| owner::admin_set_password(
            &tx,
            &email_index,
            &password_hash,
            now
        ))
    }

    async fn admin_remove(&self, email_index: [u8; 32]) -> StoreResult<bool> {
        in_transaction!(self, |tx| owner::admin_remove(&tx, &email_index))
    }

    async fn admins(&self) -> StoreResult<Vec<AdminRow>> {
        in_transaction!(self, |tx| owner::admins(&tx))
    }

    async fn admin_set_role(
        &self,
        admin_id: i64,
        role: crate::domain::Role,
    ) -> StoreResult<Option<crate::domain::Role>> {
        in_transaction!(self, |tx| roles::admin_set_role(&tx, admin_id, role))
    }

    async fn admin_role(&self, admin_id: i64) -> StoreResult<Option<crate::domain::Role>> {
        in_transaction!(self, |tx| roles::admin_role(&tx, admin_id))
    }

    async fn admin_credentials(&self, email_index: [u8; 32]) -> StoreResult<Option<(i64, String)>> {
        in_transaction!(self, |tx| owner::admin_credentials(&tx, &email_index))
    }

    async fn session_create(
        &self,
        id_hash: [u8; 32],
        admin_id: i64,
        now: Millis,
    ) -> StoreResult<()> {
        in_transaction!(self, |tx| owner::session_create(
            &tx, &id_hash, admin_id, now
        ))
    }

    async fn session_check(
        &self,
        id_hash: [u8; 32],
        now: Millis,
        idle: Millis,
        absolute: Millis,
    ) -> StoreResult<Option<i64>> {
        in_transaction!(self, |tx| owner::session_check(
            &tx, &id_hash, now, idle, absolute
        ))
    }

    async fn session_delete(&self, id_hash: [u8; 32]) -> StoreResult<()> {
        in_transaction!(self, |tx| owner::session_delete(&tx, &id_hash))
    }

    async fn begin_login_attempt(
        &self,
        keys: Vec<(String, u64)>,
        now: Millis,
        since: Millis,
    ) -> StoreResult<LoginAttempt> {
        in_transaction!(self, |tx| owner::begin_login_attempt(
            &tx, &keys, now, since
        ))
    }

    async fn forgive_login_attempt(&self, attempt_ids: Vec<i64>) -> StoreResult<()> {
        in_transaction!(self, |tx| owner::forgive_login_attempt(&tx, &attempt_ids))
    }

    async fn api_key_create(&self, key: crate::store::NewApiKey) -> StoreResult<bool> {
        in_transaction!(self, |tx| api_keys::create(&tx, &key))
    }

    async fn api_keys(&self) -> StoreResult<Vec<crate::store::ApiKeyRow>> {
        in_transaction!(self, |tx| api_keys::list(&tx))
    }

    async fn api_key_revoke(&self, name: String) -> StoreResult<bool> {
        in_transaction!(self, |tx| api_keys::revoke(&tx, &name))
    }

    async fn api_key_by_lookup(
        &self,
        lookup: String,
    ) -> StoreResult<Option<crate::store::ApiKeyRow>> {
        in_transaction!(self, |tx| api_keys::by_lookup(&tx, &lookup))
    }

    async fn api_key_used(&self, id: i64, now: Millis) -> StoreResult<()> {
        in_transaction!(self, |tx| api_keys::used(&tx, id, now))
    }

    async fn people_page(
        &self,
        list: &str,
        status: Option<Status>,
        after_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<PersonRow>> {
        in_transaction!(self, |tx| owner::people_page(
            &tx, list, status, after_id, limit
        ))
    }

    async fn find_person(&self, list: &str, email_index: [u8; 32]) -> StoreResult<Option<i64>> {
        in_transaction!(self, |tx| owner::find_person(&tx, list, &email_index))
    }

    async fn resend_confirmation(
        &self,
        subscriber_id: i64,
        token: NewToken,
        now: Millis,
        interval: Millis,
    ) -> StoreResult<bool> {
        in_transaction!(self, |tx| owner::resend_confirmation(
            &tx,
            subscriber_id,
            &token,
            now,
            interval
        ))
    }

    async fn ensure_cohort(
        &self,
        list: &str,
        name: &str,
        capacity: i64,
        starts: Option<String>,
        now: Millis,
    ) -> StoreResult<()> {
        in_transaction!(self, |tx| cohorts::ensure_cohort(
            &tx,
            list,
            name,
            capacity,
            starts.as_deref(),
            now
        ))
    }

    async fn cohorts(&self, list: &str) -> StoreResult<Vec<CohortRow>> {
        in_transaction!(self, |tx| cohorts::cohorts(&tx, list))
    }

    async fn invite_next(&self, request: InviteRequest) -> StoreResult<Option<InviteReport>> {
        in_transaction!(self, self.options.long_operation_timeout, |tx| async {
            self.long_statements(&tx).await?;
            cohorts::invite_next(&tx, &request).await
        })
    }

    async fn respond_to_invitation(
        &self,
        token_id: i64,
        accept: bool,
        now: Millis,
    ) -> StoreResult<InviteResponse> {
        in_transaction!(self, |tx| cohorts::respond(&tx, token_id, accept, now))
    }

    async fn invitation(&self, token_id: i64) -> StoreResult<Option<InvitationInfo>> {
        in_transaction!(self, |tx| cohorts::invitation(&tx, token_id))
    }

    async fn expire_invitations(&self, now: Millis) -> StoreResult<u64> {
        in_transaction!(self, |tx| cohorts::expire_invitations(&tx, now))
    }

    async fn import_batch(&self, batch: ImportBatch) -> StoreResult<ImportReport> {
        in_transaction!(self, self.options.long_operation_timeout, |tx| async {
            self.long_statements(&tx).await?;
            import::import_batch(&tx, &batch).await
        })
    }

    async fn check_key(&self, fingerprint: String, now: Millis) -> StoreResult<KeyCheck> {
        in_transaction!(self, |tx| key_check::check_key(&tx, &fingerprint, now))
    }

    async fn add_daily(&self, stats: Vec<DailyStat>) -> StoreResult<()> {
        in_transaction!(self, |tx| owner::add_daily(&tx, &stats))
    }

    async fn start_announcement(&self, run: NewRun) -> StoreResult<RunStart> {
        in_transaction!(self, |tx| announce::start_announcement(&tx, &run))
    }

    async fn due_announcements(
        &self,
        now: Millis,
        horizon: Millis,
    ) -> StoreResult<Vec<AnnouncementRun>> {
        in_transaction!(self, |tx| announce::due_announcements(&tx, now, horizon))
    }

    async fn queue_announcement_batch(&self, batch: RunBatch) -> StoreResult<BatchOutcome> {
        in_transaction!(self, |tx| announce::queue_batch(&tx, &batch))
    }

    async fn announcement_dry_run(&self, dry: DryRun) -> StoreResult<AnnouncementReport> {
        in_transaction!(self, self.options.long_operation_timeout, |tx| async {
            self.long_statements(&tx).await?;
            announce::dry_run(&tx, &dry).await
        })
    }

    async fn change_announcement(&self, change: RunChange) -> StoreResult<RunChangeOutcome> {
        in_transaction!(self, |tx| announce_runs::change(&tx, &change))
    }

    async fn announcement_runs(&self, list: &str) -> StoreResult<Vec<RunProgress>> {
        in_transaction!(self, |tx| announce_runs::runs(&tx, list))
    }

    async fn announcement_run(&self, list: &str, key: &str) -> StoreResult<Option<RunProgress>> {
        in_transaction!(self, |tx| announce_runs::run(&tx, list, key))
    }

    async fn set_announcement_published(
        &self,
        change: PublishChange,
    ) -> StoreResult<Option<AnnouncementRun>> {
        in_transaction!(self, |tx| announce_runs::set_published(&tx, &change))
    }

    async fn published_announcements(
        &self,
        now: Millis,
        limit: u32,
    ) -> StoreResult<Vec<PublishedAnnouncement>> {
        in_transaction!(self, |tx| announce_runs::published(&tx, now, limit))
    }

    async fn published_announcement(&self, id: i64, now: Millis) -> StoreResult<NewsLookup> {
        in_transaction!(self, |tx| announce_runs::published_one(&tx, id, now))
    }

    async fn daily_stats(&self, since_day: String) -> StoreResult<Vec<DailyStat>> {
        in_transaction!(self, |tx| owner::daily_stats(&tx, &since_day))
    }

    async fn webhook_add(&self, webhook: NewWebhook) -> StoreResult<i64> {
        in_transaction!(self, |tx| webhooks::add(&tx, &webhook))
    }

    async fn webhook_remove(&self, webhook_id: i64) -> StoreResult<bool> {
        in_transaction!(self, |tx| webhooks::remove(&tx, webhook_id))
    }

    async fn webhooks(&self) -> StoreResult<Vec<WebhookRow>> {
        in_transaction!(self, |tx| webhooks::list(&tx))
    }

    async fn claim_webhook_deliveries(&self, claim: WebhookClaim) -> StoreResult<Vec<WebhookJob>> {
        in_transaction!(self, |tx| webhooks::claim(&tx, &claim))
    }

    async fn record_webhook_attempts(&self, attempts: Vec<WebhookAttempt>) -> StoreResult<()> {
        in_transaction!(self, |tx| async {
            for attempt in &attempts {
                webhooks::record(&tx, attempt).await?;
            }
            Ok::<_, StoreError>(())
        })
    }

    async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDeliveryRow>> {
        in_transaction!(self, |tx| webhooks::deliveries(&tx, webhook_id, limit))
    }

    async fn webhook_replay(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: Millis,
    ) -> StoreResult<bool> {
        in_transaction!(self, |tx| webhooks::replay(
            &tx,
            webhook_id,
            delivery_id,
            now
        ))
    }
}

#[cfg(test)]
mod tests;
