//! The owner's use cases in one place: each action on a list or a person is one method of
//! [`OwnerActions`], which returns a typed result and writes its own audit event. The web
//! pages under `/admin` and the command line are adapters over it: they parse, call and
//! render, and never reach the store themselves (tests/api/architecture.rs checks that).

use std::sync::Arc;

use tokio::sync::Notify;

use crate::mail::SendRate;
use crate::privacy::VaultError;
use crate::privacy::self_service::ViewError;
use crate::store::StoreError;
use crate::waitlist::Waitlists;

/// What the owner can do, with what it needs (the store, the vault and the site, through
/// the waitlist use cases it builds on).
#[derive(Clone)]
pub struct OwnerActions {
    pub(super) waitlists: Waitlists,
    /// How announcement runs go out on this node.
    pub(super) runs: RunSettings,
    /// The signed-in account acting, whose role limits what these actions do; `None` at
    /// the command line.
    pub(super) caller: Option<super::roles::Caller>,
}

/// The sending rate, and the announcement dispatcher's wake-up.
#[derive(Clone, Default)]
pub struct RunSettings {
    pub rate: SendRate,
    /// Notified when a run starts or resumes (a command run outside the server has its
    /// own, which nothing waits on: the server's dispatcher finds the run within a second).
    pub wake: Arc<Notify>,
}

impl OwnerActions {
    pub fn new(waitlists: Waitlists) -> Self {
        Self {
            waitlists,
            runs: RunSettings::default(),
            caller: None,
        }
    }

    /// The same, with this node's sending rate and dispatcher.
    pub fn with_runs(mut self, runs: RunSettings) -> Self {
        self.runs = runs;
        self
    }
}

/// Why an owner action did not happen. `Store` keeps the store's error whole, so that a
/// transient one (busy, disk full, locked) still answers 503 at the edge.
#[derive(Debug, thiserror::Error)]
pub enum OwnerActionError {
    #[error("there is no waitlist named {0:?} in the site settings")]
    NoSuchList(String),
    #[error("there is no such person (they may have been erased)")]
    NoSuchPerson,
    /// The mail server did not take a mail sent at once (a test copy): its answer.
    #[error("the mail was not sent: {0}")]
    MailNotSent(String),
    #[error("there is no announcement {0:?} on this list")]
    NoSuchAnnouncement(String),
    /// The account's role does not allow this (the attempt is in the audit log).
    #[error("an account with the role {role} may not {}", what.describe())]
    NotAllowed {
        role: crate::domain::Role,
        what: crate::domain::Capability,
    },
    #[error("there is no such webhook (or no such delivery of it)")]
    NoSuchWebhook,
    /// The owner asked for something the list or the announcement does not allow; the
    /// words say what and why (a catalogue message: English here and at the command
    /// line, the site's language on the owner's pages).
    #[error("{}", .0.render(crate::i18n::Language::English))]
    Refused(crate::i18n::Text),
    #[error(transparent)]
    Invite(#[from] crate::waitlist::InviteError),
    #[error(transparent)]
    Import(#[from] crate::waitlist::import::ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<VaultError> for OwnerActionError {
    fn from(e: VaultError) -> Self {
        Self::Internal(anyhow::Error::new(e).context("decrypting a person's data"))
    }
}

impl From<ViewError> for OwnerActionError {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Store(e) => Self::Store(e),
            ViewError::Vault(e) => e.into(),
        }
    }
}
