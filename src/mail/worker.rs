//! The outbox worker: claims due mail, renders it, hands it to the transport, and records
//! every attempt. Retries transient failures with exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use lettre::message::Mailbox;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::compose::{MailSettings, compose};
use super::transport::{SendError, Transport};
use crate::privacy::Vault;
use crate::publish::Published;
use crate::store::{MailAttempt, MailClaim, MailJob, SECOND, Store, now_millis};

/// How many mails one claim takes.
const CLAIM_BATCH: usize = 128;
/// After this many attempts a mail is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// After a wake-up, the worker waits a random time in this range (ms) before claiming.
const WAKE_DELAY_MS: (u64, u64) = (50, 250);
/// Even without a wake-up, look for due mail (retries, other nodes' mail) this often.
const POLL: Duration = Duration::from_secs(2);

pub struct OutboxWorker {
    pub store: Arc<dyn Store>,
    pub site: Arc<ArcSwap<Published>>,
    pub vault: Arc<Vault>,
    pub transport: Arc<Transport>,
    pub settings: Arc<MailSettings>,
    pub wake: Arc<Notify>,
    /// Mails in flight at once (SMTP connections in use).
    pub concurrency: usize,
    /// Keep mail queued; send nothing.
    pub paused: bool,
    /// The promise's cap: at most `cap` mails to a person in `cap_window`.
    pub cap: u32,
    pub cap_window: i64,
    /// At most one confirmation mail per address within this time.
    pub confirmation_interval: i64,
    /// The first retry waits this long; each next one twice as long (see `backoff`).
    pub retry_after_first_failure: i64,
    /// A claimed mail not recorded within this time is claimed again (by any node).
    pub lease_ms: i64,
}

impl OutboxWorker {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if self.paused {
            let _ = shutdown.wait_for(|stop| *stop).await;
            return;
        }
        let this = Arc::new(self);
        let in_flight = Arc::new(Semaphore::new(this.concurrency.max(1)));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claim = MailClaim {
                now: now_millis(),
                limit: CLAIM_BATCH,
                lease_ms: this.lease_ms,
                cap: this.cap,
                cap_window: this.cap_window,
                all_lists: this.site.load().site.waitlists.keys().cloned().collect(),
                confirmation_interval: this.confirmation_interval,
            };
            let claimed_at = claim.now;
            let jobs = match this.store.claim_mail(claim).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim mail; trying again shortly");
                    Vec::new()
                }
            };
            if jobs.is_empty() {
                tokio::select! {
                    _ = this.wake.notified() => {
                        // Not at once: the work of sending must not follow the request that
                        // queued the mail, or the next request's answer time would tell
                        // whether that one named someone new (hole 7 of issue 9). A random
                        // wait lands it on whichever request comes then; it also batches.
                        let wait = rand::random_range(WAKE_DELAY_MS.0..WAKE_DELAY_MS.1);
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                    _ = tokio::time::sleep(POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let mut sending = JoinSet::new();
            for job in jobs {
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    break;
                };
                let worker = this.clone();
                sending.spawn(async move {
                    let attempt = worker.deliver(job).await;
                    drop(permit);
                    attempt
                });
            }
            // One write records the whole round (a crash before it means the leases run out
            // and those mails are sent again: at least once, never lost).
            let mut attempts = Vec::new();
            while let Some(joined) = sending.join_next().await {
                if let Ok(attempt) = joined {
                    attempts.push(attempt);
                }
            }
            this.record(attempts, claimed_at, &mut shutdown).await;
        }
        tracing::info!("outbox worker stopped");
    }

    /// Records a round's attempts. While the database is out of reach (a node cut off
    /// from it, a failover), the attempts are kept and recorded once it is back, while the
    /// claim's lease lasts: a mail that went out is then not sent again by
    /// another node. Past the lease another node may have the mail, so the attempts are
    /// dropped (the store also ignores a failure for a mail no longer in flight).
    /// Recording is safe to repeat (a mail already marked sent stays as it is).
    async fn record(
        &self,
        attempts: Vec<MailAttempt>,
        claimed_at: i64,
        shutdown: &mut watch::Receiver<bool>,
    ) {
        let count = attempts.len();
        let give_up_at = claimed_at + self.lease_ms;
        let mut wait = Duration::from_millis(250);
        loop {
            match self.store.record_attempts(attempts.clone()).await {
                Ok(()) => return,
                Err(e) if e.is_transient() && now_millis() < give_up_at && !*shutdown.borrow() => {
                    tracing::warn!(mails = count, error = %e, "could not record delivery attempts yet; keeping them");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => {}
                    }
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    tracing::error!(mails = count, error = %e, "could not record delivery attempts; their leases will run out and they go again");
                    return;
                }
            }
        }
    }

    async fn deliver(&self, job: MailJob) -> MailAttempt {
        let started = now_millis();
        let result = self.try_deliver(&job).await;
        let (error, retry_at, address_refused) = match result {
            Ok(()) => {
                delivery_outcome(&job, "sent");
                (None, None, None)
            }
            Err(failure) => {
                // What the server said may name the recipient: never logged nor kept.
                let said = crate::mail::redact::without_addresses(&failure.message);
                let message = match failure.stage {
                    Some(stage) => format!("{}: {said}", stage.as_str()),
                    None => said.clone(),
                };
                let attempts = job.attempts + 1;
                let give_up = failure.permanent || attempts >= MAX_ATTEMPTS;
                delivery_outcome(&job, if give_up { "gave_up" } else { "retry" });
                tracing::warn!(
                    mail = job.id, subscriber = job.subscriber_id, kind = job.kind.as_str(),
                    attempts, give_up, address_refused = failure.refuses_address(),
                    error = %message, "mail delivery failed"
                );
                (
                    Some(message),
                    (!give_up).then(|| started + backoff(self.retry_after_first_failure, attempts)),
                    failure.refuses_address().then_some(said),
                )
            }
        };
        MailAttempt {
            mail_id: job.id,
            at: now_millis(),
            error,
            retry_at,
            address_refused,
        }
    }

    async fn try_deliver(&self, job: &MailJob) -> Result<(), SendError> {
        // A mail that cannot be built fails for good, and says nothing about the address.
        let cannot_build = |e: anyhow::Error| SendError {
            permanent: true,
            stage: None,
            message: format!("{e:#}"),
        };
        let to = self.recipient(job).map_err(cannot_build)?;
        let published = self.site.load();
        let composed =
            compose(&self.settings, &published, &self.vault, job, to).map_err(cannot_build)?;
        let stem = format!("{}-{:06}-{}", now_millis(), job.id, job.kind.as_str());
        self.transport.send(composed.message, &stem).await?;
        if self.transport.is_dev_mailbox() {
            for link in &composed.links {
                tracing::info!(
                    mail = job.id,
                    subscriber = job.subscriber_id,
                    kind = job.kind.as_str(),
                    "development mailbox: open {link}"
                );
            }
        } else {
            tracing::debug!(
                mail = job.id,
                subscriber = job.subscriber_id,
                kind = job.kind.as_str(),
                "mail sent"
            );
        }
        Ok(())
    }

    /// The real address for SMTP; a stand-in for the development mailbox, which must not
    /// store addresses in clear.
    fn recipient(&self, job: &MailJob) -> anyhow::Result<Mailbox> {
        if self.transport.is_dev_mailbox() {
            return Ok(format!("subscriber-{}@dev-mailbox.invalid", job.subscriber_id).parse()?);
        }
        let email = self.vault.open_email(&job.email_sealed)?;
        Ok(email.as_str().parse()?)
    }
}

fn delivery_outcome(job: &MailJob, outcome: &'static str) {
    metrics::counter!(
        crate::metrics::MAIL_DELIVERIES,
        "kind" => job.kind.as_str(),
        "outcome" => outcome
    )
    .increment(1);
}

/// `first`, then twice as long each time (30 s, 1 min, 2 min...), up to 6 hours.
fn backoff(first: i64, attempts: u32) -> i64 {
    let exp = attempts.saturating_sub(1).min(10);
    first.saturating_mul(1i64 << exp).min(6 * 3600 * SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let first = 30 * SECOND;
        assert_eq!(backoff(first, 1), 30 * SECOND);
        assert_eq!(backoff(first, 2), 60 * SECOND);
        assert_eq!(backoff(first, 3), 120 * SECOND);
        assert_eq!(backoff(first, 30), 6 * 3600 * SECOND);
    }
}
