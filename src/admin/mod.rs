//! Owners: accounts, passwords, sessions, CSRF tokens and the login back-off; and the
//! owner's use cases ([`OwnerActions`]).

mod actions;
pub mod announce;
pub mod announcement_runs;
pub mod api;
pub mod api_keys;
pub mod backup;
pub mod cohorts;
pub mod dashboard;
pub mod db_copy;
pub mod export;
mod import;
pub mod in_flight;
mod log;
pub mod passwords;
pub mod people;
pub mod roles;
pub mod rules;
pub mod webhooks;

/// Plain data an edge renders (announcement runs and their progress).
pub use crate::store::{AnnouncementReport, AnnouncementRun, RunAction, RunProgress, RunState};
pub use actions::{OwnerActionError, OwnerActions, RunSettings};
pub use announce::{AnnouncementAudience, AnnouncementPreview, MailOut, TestCopy};
pub use cohorts::{CohortSeats, InviteRound, NewCohort, seed_cohorts};
pub use dashboard::Dashboard;
pub use export::CsvStream;
pub use people::{PeoplePage, PersonAction, PersonSummary, ResendOutcome, StatusCount};
pub use roles::Caller;

use std::net::IpAddr;
use std::sync::Arc;

use secrecy::SecretString;
use sha2::{Digest, Sha256};

pub use passwords::Passwords;

use crate::domain::{EmailAddress, Role, Token};
use crate::privacy::audit::{self, Actor, AuditEvent};
use crate::privacy::{SealedKind, Vault};
use crate::store::{LoginAttempt, Millis, Store, StoreError, now_millis};

/// Sign-in attempts for one account from one network, or from one network for any
/// account, before a back-off.
pub const MAX_FAILURES: u64 = 10;
/// Attempts for one account from all networks together: a flood spread over many
/// networks is bounded too (and may then lock the account out for the window).
pub const MAX_ACCOUNT_ATTEMPTS: u64 = 100;
/// ...within this window; the back-off lasts until the oldest failure leaves it.
pub const FAILURE_WINDOW: Millis = 15 * 60 * 1000;

#[derive(Clone)]
pub struct Owners {
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub passwords: Passwords,
    pub session_idle: Millis,
    pub session_absolute: Millis,
    /// Passwords being checked now, per account and per network.
    pub in_flight: Arc<in_flight::InFlight>,
}

/// A signed-in owner.
#[derive(Debug, Clone)]
pub struct OwnerSession {
    pub admin_id: i64,
    /// Read with the session on every request: a changed role holds at once.
    pub role: Role,
    /// The SHA-256 of the session id (what the database stores).
    pub id_hash: [u8; 32],
}

#[derive(Debug)]
pub enum LoginOutcome {
    /// The cookie value of a new session.
    LoggedIn {
        session_id: String,
    },
    Refused,
    /// Too many failures lately: try again in this many seconds.
    Throttled {
        retry_after: u64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    #[error("{0}")]
    Invalid(String),
    #[error("no owner has that address")]
    NoSuchOwner,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// An owner account, for `quietlist admin list`.
#[derive(Debug, Clone)]
pub struct OwnerAccount {
    pub id: i64,
    pub email: EmailAddress,
    pub created_at: Millis,
    pub role: Role,
}

impl Owners {
    /// Creates an account (with `role`, an owner if none is given), or sets the password
    /// of an existing one (ending their sessions) and its role if one is given; true when
    /// created. Audited.
    pub async fn add_or_update(
        &self,
        actor: &Actor,
        email: &str,
        password: &SecretString,
        role: Option<Role>,
    ) -> Result<bool, OwnerError> {
        let email = EmailAddress::parse(email).map_err(|e| OwnerError::Invalid(e.to_string()))?;
        Passwords::check_new(secrecy::ExposeSecret::expose_secret(password))
            .map_err(OwnerError::Invalid)?;
        let hash = self.passwords.hash(password).await?;
        let sealed = self
            .vault
            .seal_str(SealedKind::Email, email.as_str())
            .map_err(|e| OwnerError::Internal(e.into()))?;
        let index = self.vault.email_index(&email);
        let created = self
            .store
            .admin_upsert(index, sealed, hash, now_millis())
            .await?;
        let owner_id = self.owner_id(index).await?;
        let event = if created {
            AuditEvent::OwnerAccountCreated { owner_id }
        } else {
            AuditEvent::OwnerPasswordSet { owner_id }
        };
        audit::record(self.store.as_ref(), actor, event).await?;
        if created || role.is_some() {
            self.change_role(actor, owner_id, role.unwrap_or_default(), created)
                .await?;
        }
        Ok(created)
    }

    /// Changes an owner's password and ends their sessions. Audited.
    pub async fn set_password(
        &self,
        actor: &Actor,
        email: &str,
        password: &SecretString,
    ) -> Result<(), OwnerError> {
        let email = EmailAddress::parse(email).map_err(|e| OwnerError::Invalid(e.to_string()))?;
        Passwords::check_new(secrecy::ExposeSecret::expose_secret(password))
            .map_err(OwnerError::Invalid)?;
        let hash = self.passwords.hash(password).await?;
        let index = self.vault.email_index(&email);
        if !self
            .store
            .admin_set_password(index, hash, now_millis())
            .await?
        {
            return Err(OwnerError::NoSuchOwner);
        }
        let owner_id = self.owner_id(index).await?;
        audit::record(
            self.store.as_ref(),
            actor,
            AuditEvent::OwnerPasswordSet { owner_id },
        )
        .await?;
        Ok(())
    }

    /// Removes an owner. Audited.
    pub async fn remove(&self, actor: &Actor, email: &str) -> Result<(), OwnerError> {
        let email = EmailAddress::parse(email).map_err(|e| OwnerError::Invalid(e.to_string()))?;
        let index = self.vault.email_index(&email);
        let owner_id = self.owner_id(index).await?;
        // The keys the account made go with it (the database's cascade would remove them
        // too, but silently): each is audited.
        api_keys::revoke_keys_made_by(self.store.as_ref(), actor, owner_id).await?;
        if !self.store.admin_remove(index).await? {
            return Err(OwnerError::NoSuchOwner);
        }
        audit::record(
            self.store.as_ref(),
            actor,
            AuditEvent::OwnerAccountRemoved { owner_id },
        )
        .await?;
        Ok(())
    }

    /// The id of the account with this address index, for the audit log.
    async fn owner_id(&self, email_index: [u8; 32]) -> Result<i64, OwnerError> {
        self.store
            .admin_credentials(email_index)
            .await?
            .map(|(id, _)| id)
            .ok_or(OwnerError::NoSuchOwner)
    }

    /// Every owner account.
    pub async fn list(&self) -> Result<Vec<OwnerAccount>, OwnerError> {
        self.store
            .admins()
            .await?
            .into_iter()
            .map(|a| {
                let email = self
                    .vault
                    .open_email(&a.email_sealed)
                    .map_err(|e| OwnerError::Internal(e.into()))?;
                Ok(OwnerAccount {
                    id: a.id,
                    email,
                    created_at: a.created_at,
                    role: a.role,
                })
            })
            .collect()
    }

    pub async fn any(&self) -> Result<bool, StoreError> {
        Ok(!self.store.admins().await?.is_empty())
    }

    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        client: IpAddr,
    ) -> Result<LoginOutcome, OwnerError> {
        let now = now_millis();
        // An unparseable address still has a key, so it is throttled like any other.
        let account_key = match EmailAddress::parse(email) {
            Ok(e) => format!("account:{}", hex::encode(self.vault.email_index(&e))),
            Err(_) => format!(
                "account:{}",
                hex::encode(self.vault.sign(email.trim().to_lowercase().as_bytes()))
            ),
        };
        let network = network(client);
        let network_key = format!("network:{network}");
        let pair_key = format!("{account_key}|{network}");
        // At most one check at a time from a network, two for an account: parallel guesses
        // cannot hold the hashing slots, and are refused before they are counted.
        let Some(_entered) = self
            .in_flight
            .try_enter(&[(network_key.clone(), 1), (account_key.clone(), 2)])
        else {
            return Ok(LoginOutcome::Throttled { retry_after: 1 });
        };
        // Counted before the password is checked, in one transaction: parallel attempts
        // cannot all pass the limit before any failure is recorded.
        let attempt = self
            .store
            .begin_login_attempt(
                vec![
                    (pair_key, MAX_FAILURES),
                    (network_key, MAX_FAILURES),
                    (account_key, MAX_ACCOUNT_ATTEMPTS),
                ],
                now,
                now - FAILURE_WINDOW,
            )
            .await?;
        let attempt_ids = match attempt {
            LoginAttempt::Admitted { attempt_ids } => attempt_ids,
            LoginAttempt::Throttled { until } => {
                return Ok(LoginOutcome::Throttled {
                    retry_after: ((until - now) / 1000).max(1) as u64,
                });
            }
        };
        let credentials = match EmailAddress::parse(email) {
            Ok(e) => {
                self.store
                    .admin_credentials(self.vault.email_index(&e))
                    .await?
            }
            Err(_) => None,
        };
        let (admin_id, hash) = match credentials {
            Some((id, hash)) => (Some(id), Some(hash)),
            None => (None, None),
        };
        let ok = self.passwords.verify(password, hash).await?;
        match (ok, admin_id) {
            (true, Some(admin_id)) => {
                self.store.forgive_login_attempt(attempt_ids).await?;
                let session = Token::from_bytes(&rand::random());
                self.store
                    .session_create(session_hash(session.as_str()), admin_id, now)
                    .await?;
                tracing::info!(admin = admin_id, "owner signed in");
                Ok(LoginOutcome::LoggedIn {
                    session_id: session.as_str().to_owned(),
                })
            }
            _ => {
                tracing::warn!("a sign-in failed");
                Ok(LoginOutcome::Refused)
            }
        }
    }

    /// The owner behind a session cookie, if the session is live.
    pub async fn session(&self, cookie: &str) -> Result<Option<OwnerSession>, StoreError> {
        let Ok(token) = Token::parse(cookie) else {
            return Ok(None);
        };
        let id_hash = session_hash(token.as_str());
        let Some(admin_id) = self
            .store
            .session_check(
                id_hash,
                now_millis(),
                self.session_idle,
                self.session_absolute,
            )
            .await?
        else {
            return Ok(None);
        };
        // No role: the account was removed since the session began.
        Ok(self
            .store
            .admin_role(admin_id)
            .await?
            .map(|role| OwnerSession {
                admin_id,
                role,
                id_hash,
            }))
    }

    pub async fn logout(&self, session: &OwnerSession) -> Result<(), StoreError> {
        self.store.session_delete(session.id_hash).await
    }

    /// The CSRF token of a session: every owner form carries it.
    pub fn csrf_token(&self, session: &OwnerSession) -> String {
        hex::encode(
            self.vault
                .sign(&[b"csrf:".as_slice(), &session.id_hash].concat()),
        )
    }

    pub fn csrf_ok(&self, session: &OwnerSession, token: &str) -> bool {
        hex::decode(token).is_ok_and(|bytes| {
            self.vault
                .verify(&[b"csrf:".as_slice(), &session.id_hash].concat(), &bytes)
        })
    }

    /// A token for the login form (there is no session yet): `nonce.time.signature`,
    /// good for an hour.
    pub fn login_csrf_token(&self) -> String {
        let nonce = hex::encode(rand::random::<[u8; 12]>());
        let at = now_millis();
        let mac = hex::encode(self.vault.sign(format!("login:{nonce}:{at}").as_bytes()));
        format!("{nonce}.{at}.{mac}")
    }

    pub fn login_csrf_ok(&self, token: &str) -> bool {
        let mut parts = token.split('.');
        let (Some(nonce), Some(at), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let fresh = at
            .parse::<Millis>()
            .is_ok_and(|at| (0..3_600_000).contains(&(now_millis() - at)));
        fresh
            && hex::decode(mac).is_ok_and(|mac| {
                self.vault
                    .verify(format!("login:{nonce}:{at}").as_bytes(), &mac)
            })
    }
}

fn session_hash(session_id: &str) -> [u8; 32] {
    Sha256::digest(session_id.as_bytes()).into()
}

/// The network a client is in, for the per-network back-off: /24 for IPv4, /64 for IPv6.
fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}
