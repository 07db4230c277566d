//! What a person can do with their own data, through the links in their mail: see it,
//! download it, unsubscribe, erase it, and ask for a new link.

use std::collections::BTreeMap;

use serde::Serialize;

use super::SealedKind;
use super::audit::{self, Actor, AuditEvent};
use crate::domain::{EmailAddress, EmailError, Status, Token, TokenPurpose};
use crate::store::{
    AccessRequest, ConsentRecord, MailRecord, NewToken, StoreError, SubscriberRecord,
    UnsubscribeOutcome, now_millis,
};
use crate::waitlist::Waitlists;
use crate::waitlist::export::timestamp;

/// A person's data, decrypted, for their own eyes only.
#[derive(Debug, Serialize)]
pub struct PersonView {
    pub subscriber_id: i64,
    pub list: String,
    pub email: String,
    pub name: Option<String>,
    /// (field name, label, value)
    pub fields: Vec<FieldView>,
    pub status: Status,
    pub subscribed: bool,
    pub place: Option<u64>,
    pub signed_up_at: String,
    pub confirmed_at: Option<String>,
    pub unsubscribed_at: Option<String>,
    /// Set while the address's server refuses it for good (see `store::Undeliverable`).
    pub undeliverable: Option<UndeliverableView>,
    pub consents: Vec<ConsentView>,
    pub mails: Vec<MailView>,
}

#[derive(Debug, Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct ConsentView {
    pub list: String,
    pub form: String,
    pub text: String,
    /// The first 12 hex digits of the text's SHA-256.
    pub version: String,
    pub text_sha256: String,
    pub client_ip: Option<String>,
    pub submitted_at: String,
    pub confirmed_at: String,
}

/// Since when and why mail to the person's address is refused.
#[derive(Debug, Serialize)]
pub struct UndeliverableView {
    pub since: String,
    /// The server's words, without any address.
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct MailView {
    pub kind: String,
    pub state: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

impl Waitlists {
    /// The person a one-click unsubscribe link names, if it is genuine.
    async fn unsubscribe_target(&self, token: &str) -> Result<Option<LinkSubject>, StoreError> {
        let Ok(token) = Token::parse(token) else {
            return Ok(None);
        };
        let Some(id) = self.vault.token_id(&token) else {
            return Ok(None);
        };
        if !self
            .vault
            .token_matches(&token, TokenPurpose::Unsubscribe, id, &[])
        {
            return Ok(None);
        }
        // The confirmation row carries what is needed: the person, their list and the
        // language they signed up in (the pages their links open speak it).
        Ok(self
            .store
            .confirmation_token(id)
            .await?
            .map(|row| LinkSubject {
                subscriber_id: row.subscriber_id,
                list: row.list,
                language: row.language,
            }))
    }

    /// For the GET of an unsubscribe link: whom it is about (`None`: not valid).
    pub async fn unsubscribe_page(&self, token: &str) -> Result<Option<LinkSubject>, StoreError> {
        self.unsubscribe_target(token).await
    }

    /// One-click unsubscribe: `Some((subject, already))`, or `None` for a link that is
    /// not valid (or whose person was erased).
    pub async fn unsubscribe(
        &self,
        token: &str,
    ) -> Result<Option<(LinkSubject, bool)>, StoreError> {
        let Some(subject) = self.unsubscribe_target(token).await? else {
            return Ok(None);
        };
        Ok(self
            .unsubscribe_subject(subject.subscriber_id)
            .await?
            .map(|(_, already)| (subject, already)))
    }

    /// Unsubscribes the person behind a valid manage link: `Some((list, already))`, or
    /// `None` when they are gone (erased meanwhile).
    pub async fn unsubscribe_subject(
        &self,
        subscriber_id: i64,
    ) -> Result<Option<(String, bool)>, StoreError> {
        Ok(
            match self.store.unsubscribe(subscriber_id, now_millis()).await? {
                UnsubscribeOutcome::Unsubscribed { list } => {
                    tracing::info!(list, subscriber = subscriber_id, "unsubscribed");
                    Some((list, false))
                }
                UnsubscribeOutcome::NothingToDo { list } => Some((list, true)),
                UnsubscribeOutcome::Unknown => None,
            },
        )
    }

    /// The counters the privacy page shows (mails sent by kind, exports, erasures...).
    pub async fn promise_counters(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.store.counters().await
    }

    /// The person behind a manage link that is genuine and has not expired.
    pub async fn manage_subject(&self, token: &str) -> Result<ManageLink, StoreError> {
        let Some(row) = self.verified_token(token, TokenPurpose::Manage).await? else {
            return Ok(ManageLink::Invalid);
        };
        if now_millis() > row.expires_at {
            return Ok(ManageLink::Expired);
        }
        Ok(ManageLink::Valid(LinkSubject {
            subscriber_id: row.subscriber_id,
            list: row.list,
            language: row.language,
        }))
    }

    /// Everything stored about a person, decrypted.
    pub async fn person_view(&self, subscriber_id: i64) -> Result<Option<PersonView>, ViewError> {
        let Some(record) = self.store.subscriber(subscriber_id).await? else {
            return Ok(None);
        };
        Ok(Some(self.decrypt(record)?))
    }

    fn decrypt(&self, r: SubscriberRecord) -> Result<PersonView, ViewError> {
        let email = self.vault.open_email(&r.email_sealed)?;
        let name = r
            .name_sealed
            .as_deref()
            .map(|sealed| self.vault.open_string(SealedKind::Name, sealed))
            .transpose()?;
        let values: BTreeMap<String, String> = match &r.fields_sealed {
            Some(sealed) => {
                serde_json::from_str(&self.vault.open_string(SealedKind::Fields, sealed)?)
                    .unwrap_or_default()
            }
            None => BTreeMap::new(),
        };
        let published = self.site.load();
        let specs = published
            .site
            .waitlist(&r.list)
            .map(|w| w.settings.fields.clone())
            .unwrap_or_default();
        let fields = values
            .into_iter()
            .map(|(name, value)| {
                let spec = specs.iter().find(|f| f.name == name);
                // A select's answer is shown as the words the form showed.
                let shown = match spec.map(|f| &f.kind) {
                    Some(crate::domain::FieldKind::Select { options }) => options
                        .iter()
                        .find(|o| o.value == value)
                        .map(|o| o.label.clone())
                        .unwrap_or(value),
                    _ => value,
                };
                FieldView {
                    label: spec
                        .map(|f| f.label.clone())
                        .unwrap_or_else(|| name.clone()),
                    name,
                    value: shown,
                }
            })
            .collect();
        Ok(PersonView {
            subscriber_id: r.id,
            list: r.list,
            email: email.as_str().to_owned(),
            name,
            fields,
            subscribed: r.status.has_standing_consent(),
            status: r.status,
            place: r.place_in_line,
            signed_up_at: timestamp(r.signed_up_at),
            confirmed_at: r.confirmed_at.map(timestamp),
            unsubscribed_at: r.unsubscribed_at.map(timestamp),
            undeliverable: r.undeliverable.map(|u| UndeliverableView {
                since: timestamp(u.since),
                reason: u.reason,
            }),
            consents: r.consents.into_iter().map(consent_view).collect(),
            mails: r.mails.into_iter().map(mail_view).collect(),
        })
    }

    /// The person's data as a JSON document, and an audit line saying it was taken.
    pub async fn download(&self, subscriber_id: i64) -> Result<Option<String>, ViewError> {
        let Some(view) = self.person_view(subscriber_id).await? else {
            return Ok(None);
        };
        let document = serde_json::to_string_pretty(&serde_json::json!({
            "about": "Everything this site stores about you, as of the time of this download.",
            "exported_at": timestamp(now_millis()),
            "person": view,
        }))
        .map_err(|e| ViewError::Store(StoreError::Internal(e.into())))?;
        audit::record(
            self.store.as_ref(),
            &Actor::Subscriber { subscriber_id },
            AuditEvent::OwnDataDownloaded { subscriber_id },
        )
        .await?;
        Ok(Some(document))
    }

    /// Erases the person (audited as done by themselves).
    pub async fn erase_self(&self, subscriber_id: i64) -> Result<Option<String>, StoreError> {
        let list = self
            .store
            .erase(
                subscriber_id,
                Actor::Subscriber { subscriber_id }.to_string(),
                now_millis(),
            )
            .await?;
        if list.is_some() {
            tracing::info!(subscriber = subscriber_id, "erased at the person's request");
        }
        Ok(list)
    }

    /// `/manage`: mails a new manage link to every confirmed person with this address.
    /// The answer is the same whether or not anyone is found.
    pub async fn request_access(&self, email: &str) -> Result<(), AccessError> {
        let email = EmailAddress::parse(email).map_err(AccessError::Email)?;
        let now = now_millis();
        let published = self.site.load();
        let queued = self
            .store
            .request_access(AccessRequest {
                email_index: self.vault.email_index(&email),
                all_lists: published.site.waitlists.keys().cloned().collect(),
                token: NewToken {
                    seed: rand::random(),
                    expires_at: now + self.policy.manage_link_ttl,
                },
                now,
                interval: self.policy.confirmation_interval,
            })
            .await
            .map_err(AccessError::Store)?;
        if queued > 0 {
            self.mail_wake.notify_one();
        }
        tracing::debug!(queued, "manage link requested");
        Ok(())
    }
}

/// The person a genuine link in their mail names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSubject {
    pub subscriber_id: i64,
    pub list: String,
    /// The language they signed up in (`None`: the site's): the pages their links open
    /// speak it, as their mails do.
    pub language: Option<String>,
}

/// What a manage link leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum ManageLink {
    Valid(LinkSubject),
    Expired,
    Invalid,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] super::VaultError),
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Email(EmailError),
    #[error(transparent)]
    Store(StoreError),
}

fn consent_view(c: ConsentRecord) -> ConsentView {
    ConsentView {
        version: c.text_hash.chars().take(12).collect(),
        text_sha256: c.text_hash,
        list: c.list,
        form: c.form,
        text: c.text,
        client_ip: c.client_ip,
        submitted_at: timestamp(c.submitted_at),
        confirmed_at: timestamp(c.confirmed_at),
    }
}

fn mail_view(m: MailRecord) -> MailView {
    MailView {
        kind: m.kind,
        state: m.state,
        queued_at: timestamp(m.created_at),
        sent_at: m.sent_at.map(timestamp),
    }
}
