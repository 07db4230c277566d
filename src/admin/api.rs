//! The owner's use cases as the API offers them (`/api/v1`): the same actions as the
//! admin's, with a page size the caller chooses, a person added server-side, and every
//! read of addresses audited under the key's name.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::actions::{OwnerActionError, OwnerActions};
use super::people::{PeoplePage, PersonSummary, StatusCount};
use crate::domain::{Capability, EmailAddress, FieldValues, PersonName, Status};
use crate::privacy::audit::{Actor, AuditEvent};
use crate::store::{ConsentContext, ImportBatch, ImportRow, Millis, SignupOutcome, now_millis};
use crate::waitlist::{RawSignup, SignupError};

/// The most people one page of the API holds.
pub const MAX_PAGE: u32 = 500;

/// A list with how many people it has in each status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListCounts {
    pub name: String,
    pub total: u64,
    pub counts: Vec<StatusCount>,
}

/// A person to add, as the caller sent them.
#[derive(Debug, Default)]
pub struct NewPerson {
    pub email: String,
    pub name: Option<String>,
    /// The list's own fields, by name.
    pub fields: Vec<(String, String)>,
    pub consent: Option<ConsentProof>,
}

/// The caller's proof that the person consented, elsewhere: when and where, in what words.
#[derive(Debug, Clone)]
pub struct ConsentProof {
    /// RFC 3339.
    pub at: String,
    pub source: String,
    pub text: String,
}

/// What adding a person did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// The form's path: the answer is the same whoever the address belongs to.
    Accepted,
    /// Added as confirmed, on the consent proof.
    Confirmed { subscriber_id: i64 },
}

/// Why a person was not added: the field at fault, or the person's state.
#[derive(Debug, thiserror::Error)]
pub enum AddPersonError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Already on the list: left as they are (their own answers are theirs).
    #[error("that address is on the list already")]
    AlreadyThere { subscriber_id: Option<i64> },
    /// Erased or unsubscribed for good before: never re-added silently.
    #[error("that address asked not to be contacted again; it is not added")]
    Suppressed,
    #[error(transparent)]
    Action(#[from] OwnerActionError),
}

fn invalid(field: &str, message: impl Into<String>) -> AddPersonError {
    AddPersonError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl OwnerActions {
    /// Every list of the site with its figures.
    pub async fn lists_with_counts(&self) -> Result<Vec<ListCounts>, OwnerActionError> {
        let names: Vec<String> = self
            .waitlists
            .site
            .load()
            .site
            .waitlists
            .keys()
            .cloned()
            .collect();
        let mut lists = Vec::with_capacity(names.len());
        for name in names {
            let counts = self.status_counts(&name).await?;
            lists.push(ListCounts {
                total: counts.iter().map(|c| c.count).sum(),
                counts,
                name,
            });
        }
        Ok(lists)
    }

    /// A page of `list`'s people, newest first, after the id `after` (keyset); the read is
    /// audited with the number of people it returned.
    pub async fn read_people(
        &self,
        actor: &Actor,
        list: &str,
        status: Option<Status>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<PeoplePage, OwnerActionError> {
        // The API acts as an owner today; the check holds if a page ever calls this.
        self.allow(Capability::SeePeople).await?;
        self.known_list(list)?;
        let page = self
            .people_page_of(list, status, after, limit.clamp(1, MAX_PAGE))
            .await?;
        self.audit_read(actor, list, page.people.len()).await?;
        Ok(page)
    }

    /// The person on `list` with exactly this address (and status, when given); audited.
    pub async fn read_person_by_address(
        &self,
        actor: &Actor,
        list: &str,
        email: &EmailAddress,
        status: Option<Status>,
    ) -> Result<Option<PersonSummary>, OwnerActionError> {
        self.known_list(list)?;
        let Some(id) = self.find_by_address(list, email).await? else {
            self.audit_read(actor, list, 0).await?;
            return Ok(None);
        };
        // The page just below id + 1 starts with the person, if the status matches.
        let page = self
            .people_page_of(list, status, Some(id.saturating_add(1)), 1)
            .await?;
        let person = page.people.into_iter().find(|p| p.id == id);
        self.audit_read(actor, list, usize::from(person.is_some()))
            .await?;
        Ok(person)
    }

    async fn audit_read(
        &self,
        actor: &Actor,
        list: &str,
        rows: usize,
    ) -> Result<(), OwnerActionError> {
        self.audit(
            actor,
            AuditEvent::PeopleListed {
                list: list.to_owned(),
                rows: rows as u64,
            },
        )
        .await
    }

    /// Adds a person to `list` from a server. Without consent proof it takes the form's
    /// path and rules (pending, one confirmation mail, the same answer for every address);
    /// with proof, the caller vouches for it and the person is confirmed with that consent
    /// on record and no mail. Audited.
    pub async fn add_person(
        &self,
        actor: &Actor,
        list: &str,
        person: NewPerson,
    ) -> Result<Added, AddPersonError> {
        self.known_list(list)?;
        match person.consent {
            None => self.add_as_signup(actor, list, person).await,
            Some(ref proof) => {
                let proof = proof.clone();
                self.add_with_consent(actor, list, &person, &proof).await
            }
        }
    }

    async fn add_as_signup(
        &self,
        actor: &Actor,
        list: &str,
        person: NewPerson,
    ) -> Result<Added, AddPersonError> {
        let mut fields = vec![("email".to_owned(), person.email)];
        if let Some(name) = person.name {
            fields.push(("name".to_owned(), name));
        }
        fields.extend(
            person.fields.into_iter().filter(|(k, _)| {
                !matches!(k.as_str(), "email" | "name" | "website" | "ref" | "form")
            }),
        );
        let raw = RawSignup {
            fields,
            client_ip: None,
        };
        let waitlists = &self.waitlists;
        let signup = match waitlists.prepare_signup(list, &raw, now_millis()) {
            Ok(Some(signup)) => signup,
            Ok(None) => return Ok(Added::Accepted),
            Err(SignupError::UnknownList) => {
                return Err(OwnerActionError::NoSuchList(list.to_owned()).into());
            }
            Err(SignupError::Invalid { field, message, .. }) => {
                return Err(invalid(&field, message));
            }
            Err(SignupError::Store(e)) => return Err(OwnerActionError::Store(e).into()),
            Err(SignupError::Internal(e)) => return Err(OwnerActionError::Internal(e).into()),
        };
        let outcome = waitlists
            .store
            .record_signup(signup)
            .await
            .map_err(OwnerActionError::Store)?;
        let subscriber_id = match outcome {
            SignupOutcome::ConfirmationQueued { subscriber_id } => {
                waitlists.mail_wake.notify_one();
                subscriber_id
            }
            SignupOutcome::Throttled { subscriber_id }
            | SignupOutcome::AlreadyConsented { subscriber_id } => subscriber_id,
        };
        self.audit(
            actor,
            AuditEvent::PersonAdded {
                list: list.to_owned(),
                subscriber_id,
                with_consent_proof: false,
            },
        )
        .await?;
        Ok(Added::Accepted)
    }

    async fn add_with_consent(
        &self,
        actor: &Actor,
        list: &str,
        person: &NewPerson,
        proof: &ConsentProof,
    ) -> Result<Added, AddPersonError> {
        let now = now_millis();
        let email =
            EmailAddress::parse(&person.email).map_err(|e| invalid("email", e.to_string()))?;
        let name = PersonName::parse(person.name.as_deref().unwrap_or(""))
            .map_err(|e| invalid("name", e.to_string()))?;
        let consent = checked_consent(proof, now)?;
        let published = self.waitlists.site.load();
        let waitlist = published
            .site
            .waitlist(list)
            .ok_or_else(|| OwnerActionError::NoSuchList(list.to_owned()))?;
        let fields = FieldValues::parse(&waitlist.settings.fields, |k| {
            person
                .fields
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        })
        .map_err(|e| invalid(&e.field, e.message))?;
        let vault = &self.waitlists.vault;
        let sealed = vault
            .seal_person(&email, name.as_ref(), &fields)
            .map_err(OwnerActionError::from)?;
        let email_index = sealed.email_index;
        let report = self
            .waitlists
            .store
            .import_batch(ImportBatch {
                list: list.to_owned(),
                rows: vec![ImportRow {
                    line: 1,
                    email_index,
                    email_sealed: sealed.email,
                    name_sealed: sealed.name,
                    fields_sealed: sealed.fields,
                    consent: Some(consent),
                    confirm_seed: rand::random(),
                }],
                now,
                confirm_link_ttl: self.waitlists.policy.confirm_link_ttl,
                list_consent: (waitlist.consent_hash.clone(), waitlist.consent_text.clone()),
            })
            .await
            .map_err(OwnerActionError::Store)?;
        // Every outcome does the same work (a lookup and an audit entry), so that the time
        // an answer takes tells a key without people:read no more than its words do.
        let subscriber_id = self.find_by_address(list, &email).await?;
        if report.suppressed > 0 || report.already_there > 0 {
            self.audit(
                actor,
                AuditEvent::PersonNotAdded {
                    list: list.to_owned(),
                    subscriber_id: subscriber_id.filter(|_| report.suppressed == 0),
                },
            )
            .await?;
            return Err(if report.suppressed > 0 {
                AddPersonError::Suppressed
            } else {
                AddPersonError::AlreadyThere { subscriber_id }
            });
        }
        let subscriber_id = subscriber_id.ok_or_else(|| {
            OwnerActionError::Internal(anyhow::anyhow!("a person just added is not found"))
        })?;
        self.audit(
            actor,
            AuditEvent::PersonAdded {
                list: list.to_owned(),
                subscriber_id,
                with_consent_proof: true,
            },
        )
        .await?;
        Ok(Added::Confirmed { subscriber_id })
    }
}

/// The consent proof as the store records it (as an import with consent does).
fn checked_consent(proof: &ConsentProof, now: Millis) -> Result<ConsentContext, AddPersonError> {
    let at = OffsetDateTime::parse(proof.at.trim(), &Rfc3339).map_err(|_| {
        invalid(
            "consent.at",
            "not an RFC 3339 time such as 2026-01-31T12:00:00Z",
        )
    })?;
    let at = Millis::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| invalid("consent.at", "out of range"))?;
    if at > now {
        return Err(invalid("consent.at", "in the future"));
    }
    let source = proof.source.trim();
    if source.is_empty() || source.chars().count() > 100 {
        return Err(invalid("consent.source", "1 to 100 characters"));
    }
    let text = proof.text.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(invalid(
            "consent.text",
            "the words the person agreed to, 1 to 10,000 characters",
        ));
    }
    Ok(ConsentContext {
        form: format!("api:{source}"),
        text_hash: hex::encode(Sha256::digest(text.as_bytes())),
        text: text.to_owned(),
        client_ip: None,
        submitted_at: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof(at: &str, source: &str, text: &str) -> ConsentProof {
        ConsentProof {
            at: at.into(),
            source: source.into(),
            text: text.into(),
        }
    }

    #[test]
    fn consent_proof_names_the_field_at_fault() {
        let now = 1_800_000_000_000;
        let field = |p: &ConsentProof| match checked_consent(p, now) {
            Err(AddPersonError::Invalid { field, .. }) => field,
            other => format!("{other:?}"),
        };
        assert_eq!(field(&proof("yesterday", "crm", "yes")), "consent.at");
        assert_eq!(
            field(&proof("2099-01-01T00:00:00Z", "crm", "yes")),
            "consent.at"
        );
        assert_eq!(
            field(&proof("2026-01-01T00:00:00Z", " ", "yes")),
            "consent.source"
        );
        assert_eq!(
            field(&proof("2026-01-01T00:00:00Z", "crm", "")),
            "consent.text"
        );
        let ok = checked_consent(&proof("2026-01-01T00:00:00Z", "crm", "I agree"), now).unwrap();
        assert_eq!(ok.form, "api:crm");
    }
}
