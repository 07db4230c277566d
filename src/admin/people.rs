//! A list's people and the owner's actions on one person: find by address, open their
//! page (audited), resend their confirmation, unsubscribe them, erase them.

use crate::domain::Capability;
use serde::Serialize;

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::{EmailAddress, Status};
use crate::privacy::SealedKind;
use crate::privacy::audit::{self, Actor, AuditEvent};
use crate::privacy::self_service::PersonView;
use crate::store::{NewToken, UnsubscribeOutcome, now_millis};
use crate::waitlist::export::timestamp;

/// People per page of a list.
pub const PEOPLE_PER_PAGE: u32 = 50;

/// What the owner can do to one person from their page. Parsed from the last segment of
/// `/admin/people/{id}/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonAction {
    ResendConfirmation,
    Unsubscribe,
    Erase,
}

impl PersonAction {
    /// `None` for anything else (answered 404).
    pub fn parse(segment: &str) -> Option<Self> {
        match segment {
            "resend" => Some(Self::ResendConfirmation),
            "unsubscribe" => Some(Self::Unsubscribe),
            "erase" => Some(Self::Erase),
            _ => None,
        }
    }
}

/// One person in a list's table, decrypted for the owner.
#[derive(Debug, Serialize)]
pub struct PersonSummary {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub status: Status,
    pub signed_up_at: String,
    pub confirmed_at: Option<String>,
    pub referrals: i64,
    /// Since when the address's server has refused it for good, if it does.
    pub undeliverable_since: Option<String>,
}

/// One page of a list's people, newest first.
#[derive(Debug)]
pub struct PeoplePage {
    pub people: Vec<PersonSummary>,
    /// The id to continue after, when the page is full.
    pub next: Option<i64>,
}

/// How many people a list has in one status.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct StatusCount {
    pub status: Status,
    pub count: u64,
}

/// What a resend did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendOutcome {
    Queued,
    /// Not queued: the person is confirmed already, or had one within the interval.
    Limited,
}

impl OwnerActions {
    /// One page of `list`'s people in `status` (all when `None`), below `after` (keyset).
    pub async fn people_page(
        &self,
        list: &str,
        status: Option<Status>,
        after: Option<i64>,
    ) -> Result<PeoplePage, OwnerActionError> {
        self.allow(Capability::SeePeople).await?;
        let rows = self
            .waitlists
            .store
            .people_page(list, status, after, PEOPLE_PER_PAGE)
            .await?;
        let next = (rows.len() as u32 == PEOPLE_PER_PAGE)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        let vault = &self.waitlists.vault;
        let people = rows
            .into_iter()
            .map(|r| PersonSummary {
                id: r.id,
                // One damaged row must not hide the whole list from its owner.
                email: vault
                    .open_email(&r.email_sealed)
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_else(|_| "(cannot decrypt)".into()),
                name: r
                    .name_sealed
                    .as_deref()
                    .and_then(|s| vault.open_string(SealedKind::Name, s).ok()),
                status: r.status,
                signed_up_at: timestamp(r.signed_up_at),
                confirmed_at: r.confirmed_at.map(timestamp),
                referrals: r.referral_credits,
                undeliverable_since: r.undeliverable_since.map(timestamp),
            })
            .collect();
        Ok(PeoplePage { people, next })
    }

    /// The person on `list` with this address, if any.
    pub async fn find_by_address(
        &self,
        list: &str,
        email: &EmailAddress,
    ) -> Result<Option<i64>, OwnerActionError> {
        self.allow(Capability::SeePeople).await?;
        let index = self.waitlists.vault.email_index(email);
        Ok(self.waitlists.store.find_person(list, index).await?)
    }

    /// How many people `list` has in each status that has anyone.
    pub async fn status_counts(&self, list: &str) -> Result<Vec<StatusCount>, OwnerActionError> {
        self.allow(Capability::SeeFigures).await?;
        Ok(self
            .waitlists
            .store
            .count_by_status(list)
            .await?
            .into_iter()
            .filter_map(|(status, count)| {
                Status::parse(&status).map(|status| StatusCount { status, count })
            })
            .collect())
    }

    /// Everything stored about a person, decrypted; the look itself is audited.
    pub async fn view_person(
        &self,
        actor: &Actor,
        subscriber_id: i64,
    ) -> Result<PersonView, OwnerActionError> {
        self.allow(Capability::SeePeople).await?;
        let view = self
            .waitlists
            .person_view(subscriber_id)
            .await?
            .ok_or(OwnerActionError::NoSuchPerson)?;
        self.audit(actor, AuditEvent::PersonViewed { subscriber_id })
            .await?;
        Ok(view)
    }

    /// A new confirmation mail for someone still unconfirmed, within the same interval a
    /// signup keeps (the owner cannot make quietlist spam anyone either).
    pub async fn resend_confirmation(
        &self,
        actor: &Actor,
        subscriber_id: i64,
    ) -> Result<ResendOutcome, OwnerActionError> {
        self.allow(Capability::ResendConfirmation).await?;
        let now = now_millis();
        let policy = &self.waitlists.policy;
        let token = NewToken {
            seed: rand::random(),
            expires_at: now + policy.confirm_link_ttl,
        };
        let queued = self
            .waitlists
            .store
            .resend_confirmation(subscriber_id, token, now, policy.confirmation_interval)
            .await?;
        self.audit(
            actor,
            AuditEvent::ConfirmationResent {
                subscriber_id,
                queued,
            },
        )
        .await?;
        if queued {
            self.waitlists.mail_wake.notify_one();
            Ok(ResendOutcome::Queued)
        } else {
            Ok(ResendOutcome::Limited)
        }
    }

    /// Unsubscribes a person at once and for good (doing it twice is harmless).
    pub async fn unsubscribe_person(
        &self,
        actor: &Actor,
        subscriber_id: i64,
    ) -> Result<(), OwnerActionError> {
        self.allow(Capability::Unsubscribe).await?;
        match self
            .waitlists
            .store
            .unsubscribe(subscriber_id, now_millis())
            .await?
        {
            UnsubscribeOutcome::Unknown => Err(OwnerActionError::NoSuchPerson),
            UnsubscribeOutcome::Unsubscribed { .. } | UnsubscribeOutcome::NothingToDo { .. } => {
                self.audit(actor, AuditEvent::UnsubscribedByOwner { subscriber_id })
                    .await?;
                Ok(())
            }
        }
    }

    /// Erases a person (the store audits it in the same transaction); returns the list
    /// they were on.
    pub async fn erase_person(
        &self,
        actor: &Actor,
        subscriber_id: i64,
    ) -> Result<String, OwnerActionError> {
        self.allow(Capability::Erase).await?;
        let list = self
            .waitlists
            .store
            .erase(subscriber_id, actor.to_string(), now_millis())
            .await?
            .ok_or(OwnerActionError::NoSuchPerson)?;
        tracing::info!(subscriber = subscriber_id, "erased by the owner");
        Ok(list)
    }

    pub(super) async fn audit(
        &self,
        actor: &Actor,
        event: AuditEvent,
    ) -> Result<(), OwnerActionError> {
        Ok(audit::record(self.waitlists.store.as_ref(), actor, event).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_action_is_one_of_three_words() {
        assert_eq!(
            PersonAction::parse("resend"),
            Some(PersonAction::ResendConfirmation)
        );
        assert_eq!(
            PersonAction::parse("unsubscribe"),
            Some(PersonAction::Unsubscribe)
        );
        assert_eq!(PersonAction::parse("erase"), Some(PersonAction::Erase));
        assert_eq!(PersonAction::parse("Erase"), None);
        assert_eq!(PersonAction::parse("delete"), None);
    }
}
