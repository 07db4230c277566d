//! What the API sends and takes, as documented in `/api/openapi.json`. These are the
//! API's own shapes (converted from the use cases' types), so that the document and the
//! answers cannot drift apart and the admin's types can change freely.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::admin::api::ListCounts;
use crate::admin::{PersonSummary, StatusCount};
use crate::domain::Status;
use crate::privacy::self_service::PersonView;

/// A person's status on a list.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PersonStatus {
    Pending,
    Confirmed,
    Invited,
    Accepted,
    Declined,
    Expired,
    Unsubscribed,
}

impl From<Status> for PersonStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => Self::Pending,
            Status::Confirmed => Self::Confirmed,
            Status::Invited => Self::Invited,
            Status::Accepted => Self::Accepted,
            Status::Declined => Self::Declined,
            Status::Expired => Self::Expired,
            Status::Unsubscribed => Self::Unsubscribed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusFigure {
    pub status: PersonStatus,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListInfo {
    pub name: String,
    /// People on the list in any status.
    pub total: u64,
    /// People by status (statuses nobody is in are left out).
    pub counts: Vec<StatusFigure>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListsPage {
    pub lists: Vec<ListInfo>,
}

impl From<ListCounts> for ListInfo {
    fn from(l: ListCounts) -> Self {
        Self {
            name: l.name,
            total: l.total,
            counts: l.counts.into_iter().map(StatusFigure::from).collect(),
        }
    }
}

impl From<StatusCount> for StatusFigure {
    fn from(c: StatusCount) -> Self {
        Self {
            status: c.status.into(),
            count: c.count,
        }
    }
}

/// A person in a list of people. Times are RFC 3339, UTC.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub status: PersonStatus,
    pub signed_up_at: String,
    pub confirmed_at: Option<String>,
    /// People this person referred who confirmed.
    pub referrals: i64,
    /// Since when the address's mail server refuses it for good, if it does.
    pub undeliverable_since: Option<String>,
}

impl From<PersonSummary> for Person {
    fn from(p: PersonSummary) -> Self {
        Self {
            id: p.id,
            email: p.email,
            name: p.name,
            status: p.status.into(),
            signed_up_at: p.signed_up_at,
            confirmed_at: p.confirmed_at,
            referrals: p.referrals,
            undeliverable_since: p.undeliverable_since,
        }
    }
}

/// A page of people, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<i64>,
}

/// `GET /api/v1/lists/{list}/people`.
// The documented shape: the handler reads it field by field (input.rs) to name the
// field at fault.
#[allow(dead_code)]
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// The `next` of the previous page.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// People per page, 1 to 500 (100 when left out).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Only people in this status.
    pub status: Option<PersonStatus>,
    /// Only the person with exactly this address.
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub value: String,
}

/// The words a person agreed to, and when and where.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRecord {
    pub list: String,
    /// Where it was given (`waitlist:NAME`, `api:SOURCE`, `import:SOURCE`...).
    pub form: String,
    pub text: String,
    pub text_sha256: String,
    pub client_ip: Option<String>,
    pub submitted_at: String,
    pub confirmed_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Undeliverable {
    pub since: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MailRecord {
    pub kind: String,
    pub state: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
}

/// Everything quietlist keeps about a person, with their consent record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetail {
    pub id: i64,
    pub list: String,
    pub email: String,
    pub name: Option<String>,
    pub fields: Vec<Field>,
    pub status: PersonStatus,
    pub subscribed: bool,
    /// Their place in line, while they wait.
    pub place: Option<u64>,
    pub signed_up_at: String,
    pub confirmed_at: Option<String>,
    pub unsubscribed_at: Option<String>,
    pub undeliverable: Option<Undeliverable>,
    pub consents: Vec<ConsentRecord>,
    pub mails: Vec<MailRecord>,
}

impl From<PersonView> for PersonDetail {
    fn from(v: PersonView) -> Self {
        Self {
            id: v.subscriber_id,
            list: v.list,
            email: v.email,
            name: v.name,
            fields: v
                .fields
                .into_iter()
                .map(|f| Field {
                    name: f.name,
                    label: f.label,
                    value: f.value,
                })
                .collect(),
            status: v.status.into(),
            subscribed: v.subscribed,
            place: v.place,
            signed_up_at: v.signed_up_at,
            confirmed_at: v.confirmed_at,
            unsubscribed_at: v.unsubscribed_at,
            undeliverable: v.undeliverable.map(|u| Undeliverable {
                since: u.since,
                reason: u.reason,
            }),
            consents: v
                .consents
                .into_iter()
                .map(|c| ConsentRecord {
                    list: c.list,
                    form: c.form,
                    text: c.text,
                    text_sha256: c.text_sha256,
                    client_ip: c.client_ip,
                    submitted_at: c.submitted_at,
                    confirmed_at: c.confirmed_at,
                })
                .collect(),
            mails: v
                .mails
                .into_iter()
                .map(|m| MailRecord {
                    kind: m.kind,
                    state: m.state,
                    queued_at: m.queued_at,
                    sent_at: m.sent_at,
                })
                .collect(),
        }
    }
}

/// Consent the person gave elsewhere, which the caller vouches for.
// The documented shape: the handler reads it field by field (input.rs) to name the
// field at fault.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct ConsentProofInput {
    /// When, RFC 3339 (not in the future).
    #[schema(format = DateTime, example = "2026-01-15T10:00:00Z")]
    pub at: String,
    /// Where (a form, a shop, a course platform), 1 to 100 characters.
    pub source: String,
    /// The words the person agreed to.
    pub text: String,
}

/// A person to add. Without `consent` they are pending and get the confirmation mail
/// the form sends (and the answer is the same whoever the address belongs to); with it
/// they are confirmed, their consent is recorded and no mail is sent.
// The documented shape: the handler reads it field by field (input.rs) to name the
// field at fault.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct NewPersonInput {
    #[schema(format = Email, example = "ada@example.com")]
    pub email: String,
    pub name: Option<String>,
    /// The list's own fields, by name.
    pub fields: Option<BTreeMap<String, String>>,
    pub consent: Option<ConsentProofInput>,
}

/// Taken: the person is pending and gets a confirmation mail if the form's rules allow.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub result: String,
}

/// Added as confirmed on the consent proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedPerson {
    pub id: i64,
    pub status: PersonStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unsubscribed {
    pub id: i64,
    pub status: PersonStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    pub id: i64,
    /// The list the person was on.
    pub list: String,
    pub erased: bool,
}

/// Invite the next people in line.
// The documented shape: the handler reads it field by field (input.rs) to name the
// field at fault.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct InviteInput {
    /// How many, 1 to 10,000.
    #[schema(minimum = 1, maximum = 10000)]
    pub count: u32,
    /// The cohort to invite them into (the list's first one with free seats when left out).
    pub cohort: Option<String>,
    /// Invite past the cohort's free seats.
    pub overbook: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteRoundResult {
    pub cohort: String,
    pub invited: u32,
    /// Next in line but at the mail cap: not invited, kept in their place.
    pub held_back: u32,
    /// Of those invited, how many have an address marked undeliverable.
    pub undeliverable: u32,
}

/// An announcement, by the rules of `quietlist announce`.
// The documented shape: the handler reads it field by field (input.rs) to name the
// field at fault.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct AnnouncementInput {
    pub subject: String,
    /// Markdown; `{{ name }}` is the person's name.
    pub body: String,
    /// Sending the same id again reaches no one twice (the text is the identity without one).
    pub id: Option<String>,
    pub name_fallback: Option<String>,
    /// Comma-separated statuses among confirmed, invited, accepted (confirmed when left out).
    pub audience: Option<String>,
    /// Only people invited to this cohort.
    pub cohort: Option<String>,
    /// When to send, RFC 3339 (now when left out or past).
    pub send_at: Option<String>,
    /// Also publish it on the site (`/news/{id}` and the feed) when its run starts; false
    /// when left out. `{{ name }}` shows there as `name_fallback`, never a person's name.
    pub publish: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementStarted {
    /// `id:<id>` or `sha256:<hash>`.
    pub announcement: String,
    /// scheduled, sending, paused, cancelled or done.
    pub state: String,
    /// People in the audience when the run started.
    pub people: u64,
    /// False when the same announcement was already under way: it is returned as it is.
    pub started: bool,
}
