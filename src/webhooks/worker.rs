//! The webhook worker: claims due deliveries (a lease, so that several nodes can run it),
//! signs and POSTs each, records every attempt, and retries a non-2xx answer or a network
//! error with backoff (30 s, 2 min, 8 min... about a day in all), then gives up.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{body, signature};
use crate::privacy::audit::{self, Actor, AuditEvent};
use crate::privacy::{SealedKind, Vault};
use crate::store::{HOUR, Millis, Store, WebhookAttempt, WebhookClaim, WebhookJob, now_millis};

/// How many deliveries one claim takes (and sends at once).
const CLAIM_BATCH: u32 = 16;
/// Look for due deliveries this often.
const POLL: Duration = Duration::from_millis(500);
/// A receiver has this long to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// After this many attempts a delivery is given up (the waits add up to about a day with
/// the default first wait of 30 s).
pub const MAX_ATTEMPTS: u32 = 8;
/// No wait between attempts is longer.
const LONGEST_WAIT: Millis = 12 * HOUR;

pub struct WebhookWorker {
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    /// The first retry waits this long; each next one four times as long.
    pub retry_after_first_failure: Millis,
    /// A claimed delivery not recorded within this time is claimed again (by any node).
    pub lease_ms: Millis,
}

/// What one attempt came to, and whether it carried an address (for the audit log).
struct Outcome {
    attempt: WebhookAttempt,
    sent_address: Option<AuditEvent>,
}

impl WebhookWorker {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let client = match http_client() {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "webhooks are off: no HTTP client");
                return;
            }
        };
        let this = Arc::new(self);
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claim = WebhookClaim {
                now: now_millis(),
                limit: CLAIM_BATCH,
                lease_ms: this.lease_ms,
            };
            let jobs = match this.store.claim_webhook_deliveries(claim).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim webhook deliveries; trying again shortly");
                    Vec::new()
                }
            };
            if jobs.is_empty() {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let mut sending = JoinSet::new();
            for job in jobs {
                let (worker, client) = (this.clone(), client.clone());
                sending.spawn(async move { worker.deliver(&client, job).await });
            }
            let mut attempts = Vec::new();
            let mut audits = Vec::new();
            while let Some(joined) = sending.join_next().await {
                if let Ok(outcome) = joined {
                    attempts.push(outcome.attempt);
                    audits.extend(outcome.sent_address);
                }
            }
            // A crash before this write means the leases run out and the deliveries go
            // again: at least once, never lost (receivers dedupe on the body's `id`).
            if let Err(e) = this.store.record_webhook_attempts(attempts).await {
                tracing::error!(error = %e, "could not record webhook attempts; they go again after their lease");
            }
            for event in audits {
                if let Err(e) = audit::record(this.store.as_ref(), &Actor::System, event).await {
                    tracing::error!(error = %e, "could not audit a webhook delivery that carried an address");
                }
            }
        }
        tracing::info!("webhook worker stopped");
    }

    async fn deliver(&self, client: &reqwest::Client, job: WebhookJob) -> Outcome {
        let started = now_millis();
        let email = match self.email(&job) {
            Ok(email) => email,
            Err(e) => return self.failed(&job, started, None, format!("{e:#}"), true),
        };
        let result = self.post(client, &job, email.as_deref()).await;
        let sent_address = email.as_ref().and_then(|_| {
            let status = match &result {
                Ok(status) | Err(Failure::Status(status)) => Some(*status),
                Err(_) => None,
            };
            // Nothing left the building when the request could not even be built.
            (!matches!(result, Err(Failure::Local(_)))).then(|| AuditEvent::WebhookSentAddress {
                webhook_id: job.webhook_id,
                delivery_id: job.delivery_id,
                subscriber_id: job.subscriber_id,
                event: job.event.clone(),
                status,
            })
        });
        let mut outcome = match result {
            Ok(status) => Outcome {
                attempt: WebhookAttempt {
                    delivery_id: job.delivery_id,
                    at: now_millis(),
                    status: Some(status),
                    error: None,
                    retry_at: None,
                },
                sent_address: None,
            },
            Err(Failure::Status(status)) => {
                self.failed(&job, started, Some(status), format!("HTTP {status}"), false)
            }
            Err(Failure::Network(message)) => self.failed(&job, started, None, message, false),
            Err(Failure::Local(message)) => self.failed(&job, started, None, message, true),
        };
        outcome.sent_address = sent_address;
        outcome
    }

    fn failed(
        &self,
        job: &WebhookJob,
        started: Millis,
        status: Option<u16>,
        error: String,
        permanent: bool,
    ) -> Outcome {
        let attempts = job.attempts + 1;
        let give_up = permanent || attempts >= MAX_ATTEMPTS;
        tracing::warn!(
            webhook = job.webhook_id, delivery = job.delivery_id, subscriber = job.subscriber_id,
            event = %job.event, attempts, give_up, status, error = %error,
            "webhook delivery failed"
        );
        Outcome {
            attempt: WebhookAttempt {
                delivery_id: job.delivery_id,
                at: now_millis(),
                status,
                error: Some(error),
                retry_at: (!give_up)
                    .then(|| started + backoff(self.retry_after_first_failure, attempts)),
            },
            sent_address: None,
        }
    }

    /// The address, for a webhook that includes it and a person who is still there.
    fn email(&self, job: &WebhookJob) -> anyhow::Result<Option<String>> {
        match (&job.email_sealed, job.include_email) {
            (Some(sealed), true) => Ok(Some(
                self.vault
                    .open_email(sealed)
                    .context("opening a person's address for a webhook")?
                    .as_str()
                    .to_owned(),
            )),
            _ => Ok(None),
        }
    }

    async fn post(
        &self,
        client: &reqwest::Client,
        job: &WebhookJob,
        email: Option<&str>,
    ) -> Result<u16, Failure> {
        let secret = SecretString::from(
            self.vault
                .open_string(SealedKind::Other, &job.secret_sealed)
                .map_err(|e| Failure::Local(format!("the signing secret: {e}")))?,
        );
        let body = body::render(job, email).map_err(|e| Failure::Local(format!("{e:#}")))?;
        let unix = now_millis().div_euclid(1000);
        let signed = signature::header_value(secret.expose_secret(), unix, body.as_bytes())
            .map_err(|e| Failure::Local(format!("{e:#}")))?;
        let response = client
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, signed)
            .body(body)
            .send()
            .await
            // Without the URL: its path may hold the receiver's token.
            .map_err(|e| Failure::Network(network_error(e)))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(Failure::Status(status))
        }
    }
}

enum Failure {
    /// The receiver answered, but not with 2xx.
    Status(u16),
    /// No answer: refused, timed out, TLS, a redirect we do not follow...
    Network(String),
    /// Nothing was sent: the delivery cannot be built here (it will not get better).
    Local(String),
}

fn network_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut message = format!("{kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// `first`, then four times as long each time, up to [`LONGEST_WAIT`].
pub fn backoff(first: Millis, attempts: u32) -> Millis {
    let exp = 2 * attempts.saturating_sub(1).min(20);
    first
        .saturating_mul(1i64 << exp.min(40))
        .clamp(0, LONGEST_WAIT)
}

/// An HTTP client that follows no redirect (a 3xx is a failed delivery: the owner fixes
/// the URL), gives each request [`TIMEOUT`], uses no proxy from the environment, and
/// checks certificates against the Mozilla roots with the same TLS stack as SMTP.
fn http_client() -> anyhow::Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("setting up TLS for webhooks")?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!("quietlist-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the webhook HTTP client")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SECOND;

    #[test]
    fn backoff_grows_fourfold_to_about_a_day_in_all() {
        let first = 30 * SECOND;
        assert_eq!(backoff(first, 1), 30 * SECOND);
        assert_eq!(backoff(first, 2), 120 * SECOND);
        assert_eq!(backoff(first, 3), 480 * SECOND);
        assert_eq!(backoff(first, 30), LONGEST_WAIT);
        let total: Millis = (1..MAX_ATTEMPTS).map(|n| backoff(first, n)).sum();
        assert!(
            (20 * HOUR..=30 * HOUR).contains(&total),
            "{} h",
            total / HOUR
        );
    }
}
