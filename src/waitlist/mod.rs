//! Use cases of a waitlist: signing up, confirming, a place in line.

mod confirm;
pub mod export;
pub mod import;
mod invites;
mod news;
pub mod rules;
mod signup;

use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::Notify;

/// How a person answered an invitation (the store's word for it, shown by the edge).
pub use crate::store::InviteResponse;
pub use confirm::{ConfirmPage, ConfirmResult};
pub use invites::{InviteAnswer, InviteError, InvitePage, Invited};
pub use news::NewsAnswer;
pub use signup::{RawSignup, SignupError};

use crate::privacy::Vault;
use crate::publish::Published;
use crate::store::{Millis, Store};

/// How client addresses are kept in consent records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpRecording {
    /// /24 for IPv4, /48 for IPv6 (the default).
    #[default]
    Truncated,
    /// The full address, when the owner opts in.
    Full,
    /// Nothing.
    None,
}

#[derive(Debug, Clone)]
pub struct WaitlistPolicy {
    /// At most one confirmation mail per address within this time.
    pub confirmation_interval: Millis,
    /// How long a confirmation link works.
    pub confirm_link_ttl: Millis,
    /// How long a link to manage one's data works.
    pub manage_link_ttl: Millis,
    /// Places a referrer moves up per referred person who confirms (0 turns it off).
    pub referral_boost: i64,
    /// How long an invitation can be answered.
    pub invite_ttl: Millis,
    /// The promise's cap on mails per person in `mail_cap_window`.
    pub mail_cap: u32,
    pub mail_cap_window: Millis,
    pub ip_recording: IpRecording,
    /// Crash-test negative control only (debug builds): acknowledge before committing.
    pub unsafe_ack_before_commit: bool,
}

/// The waitlist use cases, with what they need.
#[derive(Clone)]
pub struct Waitlists {
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub site: Arc<ArcSwap<Published>>,
    pub mail_wake: Arc<Notify>,
    pub policy: WaitlistPolicy,
    /// The last answer to "is the database ready?", shared by every probe.
    pub readiness: Arc<Readiness>,
}

/// `/readyz` is open to anyone and each check is a database transaction: one check at a
/// time per node, whatever the number of probes, each answered by a check that ended
/// after it came.
#[derive(Default)]
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>,
}

impl Waitlists {
    /// Whether this node can serve signups: the database answers within `within` (for
    /// the load balancer's `/readyz`).
    pub async fn database_ready(&self, within: std::time::Duration) -> Result<(), String> {
        // Probes that come while a check runs wait for it and take its answer; a probe
        // after it gets a check of its own (an answer from before it came could hide a
        // database that has just gone away).
        let arrived = std::time::Instant::now();
        let mut last = self.readiness.last.lock().await;
        if let Some((checked_at, answer)) = last.as_ref()
            && *checked_at >= arrived
        {
            return answer.clone();
        }
        let answer = match tokio::time::timeout(within, self.store.ready()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("the database did not answer within {within:?}")),
        };
        if let Err(problem) = &answer {
            tracing::warn!(%problem, "not ready");
        }
        *last = Some((std::time::Instant::now(), answer.clone()));
        answer
    }
}
