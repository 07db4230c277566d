//! The announcement dispatcher: turns due runs into queued mail, a batch at a time, each
//! mail due at the next slot of the sending rate, and only a short horizon ahead, so
//! that the outbox never holds a whole list and a pause acts within seconds. Runs on
//! every node: a batch holds its run's row, so two nodes never queue the same people.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::{Notify, watch};

use super::rate::SendRate;
use crate::privacy::Vault;
use crate::privacy::vault::SealedKind;
use crate::publish::Published;
use crate::store::{
    AnnouncementRun, FieldsFilter, Millis, NewToken, RunBatch, RunRules, RunState, SECOND, Store,
    now_millis,
};

/// Mail is queued only this far ahead of its slot: a pause stops what is not queued yet,
/// and the outbox holds about `rate x HORIZON` mails of a run, never the whole list.
pub const HORIZON: Millis = 30 * SECOND;
/// People examined in one batch transaction: short enough not to hold SQLite's writer
/// (every signup waits behind it) for more than a few milliseconds.
pub const BATCH_SIZE: u32 = 250;
/// How often due runs are looked for without a wake-up (another node, or the command
/// line, may have started one), and how often the outbox is nudged while a run sends.
const TICK: Duration = Duration::from_secs(1);

pub struct AnnouncementDispatcher {
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub site: Arc<ArcSwap<Published>>,
    /// Woken when an owner starts or resumes a run on this node.
    pub wake: Arc<Notify>,
    /// The outbox worker's wake-up.
    pub mail_wake: Arc<Notify>,
    pub rate: SendRate,
    pub cap: u32,
    pub cap_window: Millis,
    pub manage_link_ttl: Millis,
}

impl AnnouncementDispatcher {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            if self.round().await {
                // The worker polls every 2 s; nudged each tick, the mails leave closer
                // to their slots.
                self.mail_wake.notify_one();
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("announcement dispatcher stopped");
    }

    /// Queues what is due; whether any run is sending.
    async fn round(&self) -> bool {
        let runs = match self.store.due_announcements(now_millis(), HORIZON).await {
            Ok(runs) => runs,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for due announcements; trying again shortly");
                return false;
            }
        };
        let mut sending = false;
        for run in runs {
            sending |= self.dispatch(&run).await;
        }
        sending
    }

    /// Batches of one run until its slots reach the horizon; whether it is still sending.
    async fn dispatch(&self, run: &AnnouncementRun) -> bool {
        let filter = run
            .audience
            .field_equals
            .as_ref()
            .map(|(field, value)| fields_filter(self.vault.clone(), field, value));
        let all_lists: Vec<String> = self.site.load().site.waitlists.keys().cloned().collect();
        loop {
            let now = now_millis();
            let batch = RunBatch {
                run_id: run.id,
                rules: RunRules {
                    now,
                    cap: self.cap,
                    cap_window: self.cap_window,
                    all_lists: all_lists.clone(),
                    filter: filter.clone(),
                },
                horizon: HORIZON,
                interval: self.rate.interval(),
                size: BATCH_SIZE,
                manage_token: NewToken {
                    seed: rand::random(),
                    expires_at: now + self.manage_link_ttl,
                },
            };
            match self.store.queue_announcement_batch(batch).await {
                Ok(outcome) => {
                    if outcome.queued > 0 {
                        self.mail_wake.notify_one();
                    }
                    if outcome.state == RunState::Done {
                        tracing::info!(announcement = run.id, "announcement run done");
                    }
                    if outcome.state != RunState::Sending || outcome.examined == 0 {
                        return outcome.state == RunState::Sending;
                    }
                }
                Err(e) => {
                    tracing::warn!(announcement = run.id, error = %e, "could not queue an announcement batch; trying again shortly");
                    return true;
                }
            }
        }
    }
}

/// Whether a person's sealed custom fields give `field` the value `value`: fields are
/// sealed, so the comparison happens here, with the key, never in SQL.
pub fn fields_filter(vault: Arc<Vault>, field: &str, value: &str) -> FieldsFilter {
    let (field, value) = (field.to_owned(), value.to_owned());
    Arc::new(move |sealed: Option<&[u8]>| {
        let Some(sealed) = sealed else {
            return false;
        };
        vault
            .open_string(SealedKind::Fields, sealed)
            .ok()
            .and_then(|json| serde_json::from_str::<BTreeMap<String, String>>(&json).ok())
            .is_some_and(|fields| fields.get(&field) == Some(&value))
    })
}
