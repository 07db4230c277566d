//! The audit log, typed: who did what, as an [`AuditEvent`] a use case records. This is
//! the one place an event becomes the store's [`AuditEntry`] (its action, subject, rows and
//! words), so the same action reads the same whether it came from the web or the command
//! line. It lives beside the other parts of the promise: an owner's look at a person, an
//! export, an erasure are what the promise says is written down.

use std::fmt;
use std::path::PathBuf;

use crate::domain::{Capability, Role};
use crate::store::{AuditEntry, Millis, Store, StoreResult, now_millis};

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An owner signed in to `/admin`.
    Owner { admin_id: i64 },
    /// Someone at the command line, by their operating-system user name.
    CommandLine { user: String },
    /// A person acting on their own data through a link in their mail.
    Subscriber { subscriber_id: i64 },
    /// quietlist itself (a site folder published again...).
    System,
    /// A program holding one of the owner's API keys, by the key's name.
    ApiKey { name: String },
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Owner { admin_id } => write!(f, "admin:{admin_id}"),
            Self::CommandLine { user } => write!(f, "cli:{user}"),
            Self::Subscriber { subscriber_id } => write!(f, "subscriber:{subscriber_id}"),
            Self::System => f.write_str("system"),
            Self::ApiKey { name } => write!(f, "api-key:{name}"),
        }
    }
}

/// Where an export went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    /// Streamed to the owner's browser.
    Web,
    File(PathBuf),
    StandardOutput,
}

/// What an import did, for its audit line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportFigures {
    /// The file's name.
    pub source: String,
    pub rows_read: u64,
    pub added: u64,
    pub confirmed: u64,
    pub already_there: u64,
    pub suppressed: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

/// Something the audit log keeps. Erasure is not here: the store writes its entry in the
/// erasure's own transaction, so that no person disappears unrecorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    /// An owner opened a person's page.
    PersonViewed {
        subscriber_id: i64,
    },
    /// An owner asked for a new confirmation mail (`queued`: false when the daily limit
    /// or the person's state kept it back).
    ConfirmationResent {
        subscriber_id: i64,
        queued: bool,
    },
    /// An owner unsubscribed a person.
    UnsubscribedByOwner {
        subscriber_id: i64,
    },
    CohortSaved {
        list: String,
        cohort: String,
        capacity: u32,
    },
    Invited {
        list: String,
        cohort: String,
        asked: u32,
        invited: u32,
        held_back: u32,
        /// Of those invited, how many have an address marked undeliverable.
        undeliverable: u32,
    },
    Exported {
        list: String,
        rows: u64,
        target: ExportTarget,
    },
    Imported {
        list: String,
        figures: ImportFigures,
    },
    /// A person downloaded their own data.
    OwnDataDownloaded {
        subscriber_id: i64,
    },
    /// The site folder changed and was published again.
    SiteRepublished {
        folder: String,
    },
    OwnerAccountCreated {
        owner_id: i64,
    },
    /// An owner sent an announcement: to how many people it was queued, of how many in
    /// the chosen statuses.
    Announced {
        list: String,
        /// `id:<id>` or `sha256:<hash>`.
        announcement: String,
        subject: String,
        /// Who it goes to, in words: statuses, cohort, field.
        audience: String,
        /// People in the chosen statuses (and cohort) when it was recorded.
        people: u64,
        /// When it goes out, when later than now (RFC 3339).
        scheduled_for: Option<String>,
    },
    /// An owner paused, resumed or cancelled an announcement's run.
    AnnouncementChanged {
        list: String,
        announcement: String,
        /// `pause`, `resume` or `cancel`.
        action: &'static str,
    },
    /// An owner sent a test copy of an announcement to their own address.
    AnnouncementTestSent {
        list: String,
        announcement: String,
    },
    OwnerPasswordSet {
        owner_id: i64,
    },
    OwnerAccountRemoved {
        owner_id: i64,
    },
    /// An API key was made (the key itself is never recorded).
    ApiKeyCreated {
        name: String,
        /// Comma-separated.
        scopes: String,
    },
    ApiKeyRevoked {
        name: String,
    },
    /// An API key stopped working because the account that made it was removed or is no
    /// longer an owner.
    ApiKeyMakerNotOwner {
        name: String,
        owner_id: i64,
    },
    /// People of a list were read through the API (addresses included).
    PeopleListed {
        list: String,
        rows: u64,
    },
    /// A person was added through the API: pending with a confirmation mail, or confirmed
    /// on the consent proof the caller gave.
    PersonAdded {
        list: String,
        subscriber_id: i64,
        with_consent_proof: bool,
    },
    /// A caller asked to add, on consent proof, an address that is on the list already
    /// (`subscriber_id`) or was erased (`None`): nothing was changed.
    PersonNotAdded {
        list: String,
        subscriber_id: Option<i64>,
    },
    /// An admin account's role changed (`from` is `None` for a new account).
    RoleChanged {
        owner_id: i64,
        from: Option<Role>,
        to: Role,
    },
    /// An admin account tried something its role does not allow, and was refused.
    NotAllowed {
        role: Role,
        capability: Capability,
    },
    /// An owner added a webhook (where it goes by origin only: a path may hold a token).
    WebhookAdded {
        webhook_id: i64,
        origin: String,
        events: String,
        include_email: bool,
    },
    WebhookRemoved {
        webhook_id: i64,
    },
    /// An owner queued a delivery again.
    WebhookDeliveryReplayed {
        webhook_id: i64,
        delivery_id: i64,
    },
    /// A delivery carried a person's address to a webhook that includes it (each
    /// attempt that did, whatever the receiver answered).
    WebhookSentAddress {
        webhook_id: i64,
        delivery_id: i64,
        subscriber_id: i64,
        event: String,
        /// The receiver's HTTP status, when it answered.
        status: Option<u16>,
    },
    /// The whole database was copied into another one (`quietlist db copy`).
    DatabaseCopied {
        from: String,
        to: String,
        rows: u64,
        /// Tables whose rows or digest differ between the two; empty when verified.
        mismatched: Vec<&'static str>,
    },
}

impl AuditEvent {
    /// The store's row for this event: the one place its words are chosen.
    pub fn into_entry(self, actor: &Actor, at: Millis) -> AuditEntry {
        let subscriber = |id: i64| format!("subscriber:{id}");
        let list_subject = |list: &str| format!("list:{list}");
        let (action, subject, rows, detail) = match self {
            Self::DatabaseCopied {
                from,
                to,
                rows,
                mismatched,
            } => (
                "db-copy",
                format!("to:{to}"),
                clamp(rows),
                if mismatched.is_empty() {
                    format!("from {from}: every table verified")
                } else {
                    format!("from {from}: MISMATCH in {}", mismatched.join(", "))
                },
            ),
            Self::PersonViewed { subscriber_id } => (
                "view",
                subscriber(subscriber_id),
                1,
                "the owner opened this person's page".to_owned(),
            ),
            Self::ConfirmationResent {
                subscriber_id,
                queued,
            } => (
                "resend",
                subscriber(subscriber_id),
                1,
                format!("confirmation mail queued: {queued}"),
            ),
            Self::UnsubscribedByOwner { subscriber_id } => (
                "unsubscribe",
                subscriber(subscriber_id),
                1,
                "unsubscribed by the owner".to_owned(),
            ),
            Self::CohortSaved {
                list,
                cohort,
                capacity,
            } => (
                "settings",
                list_subject(&list),
                0,
                format!("cohort {cohort} saved with {capacity} seats"),
            ),
            Self::Invited {
                list,
                cohort,
                asked,
                invited,
                held_back,
                undeliverable,
            } => {
                let mut held = if held_back > 0 {
                    format!("; {held_back} passed over at the mail cap (they keep their place)")
                } else {
                    String::new()
                };
                if undeliverable > 0 {
                    held.push_str(&format!(
                        "; {undeliverable} of them with an address marked undeliverable"
                    ));
                }
                (
                    "invite",
                    list_subject(&list),
                    i64::from(invited),
                    format!("cohort {cohort}: asked {asked}, invited {invited}{held}"),
                )
            }
            Self::Exported { list, rows, target } => (
                "export",
                list_subject(&list),
                clamp(rows),
                match target {
                    ExportTarget::Web => "web export (CSV)".to_owned(),
                    ExportTarget::File(path) => {
                        format!("quietlist export to {}", path.display())
                    }
                    ExportTarget::StandardOutput => {
                        "quietlist export to standard output".to_owned()
                    }
                },
            ),
            Self::Imported { list, figures: f } => (
                "import",
                list_subject(&list),
                clamp(f.added),
                format!(
                    "{}: {} rows read, {} added ({} confirmed with consent proof), {} already there, {} suppressed, {} rejected, {} duplicates",
                    f.source,
                    f.rows_read,
                    f.added,
                    f.confirmed,
                    f.already_there,
                    f.suppressed,
                    f.rejected,
                    f.duplicates
                ),
            ),
            Self::OwnDataDownloaded { subscriber_id } => (
                "download",
                subscriber(subscriber_id),
                1,
                "self-service download of one's own data".to_owned(),
            ),
            Self::SiteRepublished { folder } => (
                "settings",
                "site".to_owned(),
                0,
                format!("the site folder {folder} changed and was published again"),
            ),
            Self::Announced {
                list,
                announcement,
                subject,
                audience,
                people,
                scheduled_for,
            } => (
                "announce",
                list_subject(&list),
                clamp(people),
                match scheduled_for {
                    Some(at) => format!(
                        "announcement {announcement} ({subject:?}) scheduled for {at}, to {audience}: {people} people now"
                    ),
                    None => format!(
                        "announcement {announcement} ({subject:?}) sending to {audience}: {people} people"
                    ),
                },
            ),
            Self::AnnouncementChanged {
                list,
                announcement,
                action,
            } => (
                "announce",
                list_subject(&list),
                0,
                format!("announcement {announcement}: {action}"),
            ),
            Self::AnnouncementTestSent { list, announcement } => (
                "announce",
                list_subject(&list),
                0,
                format!("test copy of announcement {announcement} sent to the owner's address"),
            ),
            Self::OwnerAccountCreated { owner_id } => (
                "account",
                format!("admin:{owner_id}"),
                1,
                "owner account created".to_owned(),
            ),
            Self::OwnerPasswordSet { owner_id } => (
                "account",
                format!("admin:{owner_id}"),
                1,
                "password set; the account's sessions ended".to_owned(),
            ),
            Self::ApiKeyCreated { name, scopes } => (
                "api-key",
                format!("api-key:{name}"),
                0,
                format!("API key created with scopes {scopes}"),
            ),
            Self::ApiKeyRevoked { name } => (
                "api-key",
                format!("api-key:{name}"),
                0,
                "API key revoked".to_owned(),
            ),
            // The same words as migration 0018 writes for the keys it revokes.
            Self::ApiKeyMakerNotOwner { name, owner_id } => (
                "api-key",
                format!("api-key:{name}"),
                0,
                format!(
                    "API key revoked: the account that made it (admin:{owner_id}) is no longer an owner"
                ),
            ),
            Self::PeopleListed { list, rows } => (
                "view",
                list_subject(&list),
                clamp(rows),
                format!("{rows} people read through the API"),
            ),
            Self::PersonAdded {
                list,
                subscriber_id,
                with_consent_proof,
            } => (
                "add",
                subscriber(subscriber_id),
                1,
                if with_consent_proof {
                    format!("added to {list} as confirmed, on the consent proof the caller gave")
                } else {
                    format!("added to {list}: pending, confirmation mail per the signup rules")
                },
            ),
            Self::PersonNotAdded {
                list,
                subscriber_id,
            } => match subscriber_id {
                Some(id) => (
                    "add",
                    subscriber(id),
                    0,
                    format!(
                        "not added to {list} on consent proof: on the list already, left as they are"
                    ),
                ),
                None => (
                    "add",
                    list_subject(&list),
                    0,
                    "not added on consent proof: the address was erased and is never re-added"
                        .to_owned(),
                ),
            },
            Self::RoleChanged { owner_id, from, to } => (
                "account",
                format!("admin:{owner_id}"),
                1,
                match from {
                    Some(from) => format!("role changed from {from} to {to}"),
                    None => format!("new account with the role {to}"),
                },
            ),
            Self::NotAllowed { role, capability } => (
                "refused",
                format!("capability:{}", capability.as_str()),
                0,
                format!("refused: the role {role} may not {}", capability.describe()),
            ),
            Self::OwnerAccountRemoved { owner_id } => (
                "account",
                format!("admin:{owner_id}"),
                1,
                "an owner account was removed".to_owned(),
            ),
            Self::WebhookAdded {
                webhook_id,
                origin,
                events,
                include_email,
            } => (
                "webhook",
                format!("webhook:{webhook_id}"),
                0,
                if include_email {
                    format!("added for {events} to {origin}, INCLUDING people's addresses")
                } else {
                    format!("added for {events} to {origin}, without addresses")
                },
            ),
            Self::WebhookRemoved { webhook_id } => (
                "webhook",
                format!("webhook:{webhook_id}"),
                0,
                "removed, with its delivery log".to_owned(),
            ),
            Self::WebhookDeliveryReplayed {
                webhook_id,
                delivery_id,
            } => (
                "webhook",
                format!("webhook:{webhook_id}"),
                0,
                format!("delivery {delivery_id} queued again (replay)"),
            ),
            Self::WebhookSentAddress {
                webhook_id,
                delivery_id,
                subscriber_id,
                event,
                status,
            } => (
                "webhook-email",
                subscriber(subscriber_id),
                1,
                format!(
                    "address sent to webhook {webhook_id} in delivery {delivery_id} ({event}); {}",
                    status.map_or("no answer".to_owned(), |s| format!("HTTP {s}"))
                ),
            ),
        };
        AuditEntry {
            at,
            actor: actor.to_string(),
            action: action.to_owned(),
            subject,
            rows,
            detail,
        }
    }
}

fn clamp(rows: u64) -> i64 {
    i64::try_from(rows).unwrap_or(i64::MAX)
}

/// Appends `event`, done by `actor` now, to the audit log.
pub async fn record(store: &dyn Store, actor: &Actor, event: AuditEvent) -> StoreResult<()> {
    store.audit(event.into_entry(actor, now_millis())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_read_as_the_log_has_always_written_them() {
        assert_eq!(Actor::Owner { admin_id: 3 }.to_string(), "admin:3");
        let cli = Actor::CommandLine { user: "ada".into() };
        assert_eq!(cli.to_string(), "cli:ada");
        assert_eq!(
            Actor::Subscriber { subscriber_id: 9 }.to_string(),
            "subscriber:9"
        );
        assert_eq!(Actor::System.to_string(), "system");
    }

    #[test]
    fn an_export_reads_the_same_from_the_web_and_the_command_line() {
        let owner = Actor::Owner { admin_id: 1 };
        let web = AuditEvent::Exported {
            list: "pilot-course".into(),
            rows: 2,
            target: ExportTarget::Web,
        }
        .into_entry(&owner, 5);
        assert_eq!(
            (web.action.as_str(), web.subject.as_str(), web.rows),
            ("export", "list:pilot-course", 2)
        );
        assert_eq!(web.detail, "web export (CSV)");
        let file = AuditEvent::Exported {
            list: "pilot-course".into(),
            rows: 2,
            target: ExportTarget::File("out.csv".into()),
        }
        .into_entry(&Actor::CommandLine { user: "ada".into() }, 5);
        assert_eq!(file.detail, "quietlist export to out.csv");
        assert_eq!(file.actor, "cli:ada");
    }

    #[test]
    fn an_invitation_round_says_who_was_passed_over_at_the_cap() {
        let entry = AuditEvent::Invited {
            list: "l".into(),
            cohort: "c".into(),
            asked: 3,
            invited: 2,
            held_back: 1,
            undeliverable: 1,
        }
        .into_entry(&Actor::System, 0);
        assert_eq!(entry.rows, 2);
        assert!(
            entry.detail.contains("passed over at the mail cap"),
            "{}",
            entry.detail
        );
        assert!(
            entry
                .detail
                .contains("1 of them with an address marked undeliverable"),
            "{}",
            entry.detail
        );
    }
}
