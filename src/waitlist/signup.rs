//! Signing up: parse the form, seal the personal data, record it and queue the one
//! confirmation mail, all in one transaction.

use std::net::IpAddr;

use super::{IpRecording, Waitlists};
use crate::domain::{EmailAddress, FieldValues, PersonName};
use crate::i18n::Text;
use crate::store::{
    ConsentContext, Millis, NewSignup, NewToken, SignupOutcome, StoreError, now_millis,
};

/// A signup as it arrived: the form's (or JSON object's) fields in order.
#[derive(Debug, Default)]
pub struct RawSignup {
    pub fields: Vec<(String, String)>,
    pub client_ip: Option<IpAddr>,
}

impl RawSignup {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    #[error("there is no waitlist by that name")]
    UnknownList,
    /// A field was refused: `message` in English for the API, `text` for the form, in
    /// the form's language.
    #[error("{field}: {message}")]
    Invalid {
        field: String,
        message: String,
        text: Text,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Waitlists {
    /// Signs `raw` up for `list`. Every address, new or known, confirmed or erased, takes
    /// the same path and gets the same answer; only the outcome in the log differs.
    pub async fn sign_up(&self, list: &str, raw: &RawSignup) -> Result<(), SignupError> {
        // A filled-in hidden field means a bot: answer as usual, keep nothing.
        let Some(signup) = self.prepare_signup(list, raw, now_millis())? else {
            tracing::info!(list, "signup caught by the hidden field; ignored");
            count_signup(list, "bot_field");
            return Ok(());
        };
        if self.policy.unsafe_ack_before_commit {
            // Deliberately wrong, for the crash test to catch: answer now, save later.
            let store = self.store.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let _ = store.record_signup(signup).await;
            });
            return Ok(());
        }
        let outcome = self.store.record_signup(signup).await?;
        // One outcome whatever the address's state: a counter per state would tell whoever
        // reads the metrics, right after posting the form for someone, whether they are on
        // the list (the same thing the form's identical answer hides).
        count_signup(list, "accepted");
        match outcome {
            SignupOutcome::ConfirmationQueued { subscriber_id } => {
                tracing::debug!(
                    list,
                    subscriber = subscriber_id,
                    "signup: confirmation queued"
                );
                self.mail_wake.notify_one();
            }
            SignupOutcome::Throttled { subscriber_id } => {
                tracing::debug!(
                    list,
                    subscriber = subscriber_id,
                    "signup: confirmation limit reached; no mail"
                );
            }
            SignupOutcome::AlreadyConsented { subscriber_id } => {
                tracing::debug!(
                    list,
                    subscriber = subscriber_id,
                    "signup: already confirmed; no mail"
                );
            }
        }
        Ok(())
    }

    /// Parses and seals a signup, ready for the store; `None` when the hidden field
    /// caught a bot. Public for tests that drive the store with their own clock.
    pub fn prepare_signup(
        &self,
        list: &str,
        raw: &RawSignup,
        now: Millis,
    ) -> Result<Option<NewSignup>, SignupError> {
        let published = self.site.load();
        let waitlist = published
            .site
            .waitlist(list)
            .ok_or(SignupError::UnknownList)?;

        let email = EmailAddress::parse(raw.get("email").unwrap_or("")).map_err(|e| {
            SignupError::Invalid {
                field: "email".into(),
                message: e.to_string(),
                text: crate::i18n::errors::email(&e),
            }
        })?;
        let name =
            PersonName::parse(raw.get("name").unwrap_or("")).map_err(|e| SignupError::Invalid {
                field: "name".into(),
                message: e.to_string(),
                text: crate::i18n::errors::name(&e),
            })?;
        let fields =
            FieldValues::parse(&waitlist.settings.fields, |k| raw.get(k)).map_err(|e| {
                SignupError::Invalid {
                    text: crate::i18n::errors::field(&e),
                    field: e.field,
                    message: e.message,
                }
            })?;
        if raw.get("website").is_some_and(|v| !v.trim().is_empty()) {
            return Ok(None);
        }

        let seed: [u8; 16] = rand::random();
        let form = form_id(&published.site, raw.get("form"));
        let sealed = self
            .vault
            .seal_person(&email, name.as_ref(), &fields)
            .map_err(|e| SignupError::Internal(e.into()))?;
        let signup = NewSignup {
            list: list.to_owned(),
            email_index: sealed.email_index,
            email_sealed: sealed.email,
            name_sealed: sealed.name,
            fields_sealed: sealed.fields,
            all_lists: published.site.waitlists.keys().cloned().collect(),
            confirm_token: NewToken {
                seed,
                expires_at: now + self.policy.confirm_link_ttl,
            },
            consent: ConsentContext {
                form,
                text_hash: waitlist.consent_hash.clone(),
                text: waitlist.consent_text.clone(),
                client_ip: raw
                    .client_ip
                    .and_then(|ip| record_ip(ip, self.policy.ip_recording)),
                submitted_at: now,
            },
            referred_by: raw
                .get("ref")
                .and_then(|code| self.vault.referral_id(code.trim())),
            referral_index: self.vault.referral_index(&email),
            language: published
                .site
                .language_or_default(raw.get("lang"))
                .tag()
                .to_owned(),
            now,
            confirmation_interval: self.policy.confirmation_interval,
        };
        Ok(Some(signup))
    }
}

/// Which form a signup came from, as recorded with the consent. Only forms the site
/// actually has are recorded by name.
fn form_id(site: &crate::publish::Site, given: Option<&str>) -> String {
    let Some(given) = given else {
        return "api".to_owned();
    };
    let known = site.pages.iter().any(|p| {
        let kind = match p.kind {
            crate::publish::PageKind::Report => "report",
            crate::publish::PageKind::Course => "course",
        };
        given == format!("{kind}:{}", p.slug)
    }) || site
        .waitlists
        .keys()
        .any(|name| given == format!("waitlist:{name}") || given == format!("embed:{name}"));
    if known {
        given.to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// Keeps a client address as the owner chose: by default only its network (/24, /48).
pub fn record_ip(ip: IpAddr, recording: IpRecording) -> Option<String> {
    match recording {
        IpRecording::None => None,
        IpRecording::Full => Some(ip.to_string()),
        IpRecording::Truncated => Some(match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    let [a, b, c, _] = v4.octets();
                    format!("{a}.{b}.{c}.0/24")
                } else {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
                }
            }
        }),
    }
}

/// `list` is a list of the site (checked before any outcome), so labels stay bounded.
fn count_signup(list: &str, outcome: &'static str) {
    metrics::counter!(crate::metrics::SIGNUPS, "list" => list.to_owned(), "outcome" => outcome)
        .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_addresses_are_truncated_by_default() {
        let v4: IpAddr = "203.0.113.77".parse().unwrap();
        let v6: IpAddr = "2001:db8:abcd:12::1".parse().unwrap();
        assert_eq!(
            record_ip(v4, IpRecording::Truncated).unwrap(),
            "203.0.113.0/24"
        );
        assert_eq!(
            record_ip(v6, IpRecording::Truncated).unwrap(),
            "2001:db8:abcd::/48"
        );
        assert_eq!(record_ip(v4, IpRecording::Full).unwrap(), "203.0.113.77");
        assert_eq!(record_ip(v4, IpRecording::None), None);
    }
}
