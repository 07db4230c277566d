//! The plain data that crosses the storage boundary.

use crate::domain::{Status, TokenPurpose};

/// Milliseconds since the Unix epoch, UTC. Every timestamp in the store is one.
pub type Millis = i64;

/// The current time as [`Millis`].
pub fn now_millis() -> Millis {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as Millis
}

/// The UTC day (YYYY-MM-DD) of a timestamp: the key of the dashboard's daily figures.
pub fn day_of(at: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

pub const SECOND: Millis = 1_000;
pub const HOUR: Millis = 3_600 * SECOND;
pub const DAY: Millis = 24 * HOUR;

/// A link token as stored: a random seed, from which the secret key derives the link
/// at send time.
#[derive(Clone)]
pub struct NewToken {
    pub seed: [u8; 16],
    pub expires_at: Millis,
}

/// A token row, for the caller to verify a link against.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub id: i64,
    pub subscriber_id: i64,
    pub list: String,
    pub status: Status,
    pub purpose: TokenPurpose,
    pub seed: Vec<u8>,
    pub expires_at: Millis,
    pub used_at: Option<Millis>,
    /// The language the person signed up in; `None`: the site's.
    pub language: Option<String>,
}

/// Where a signup came from, kept until the person confirms and then written into their
/// consent record.
#[derive(Debug, Clone)]
pub struct ConsentContext {
    /// Which form: `report:ketamine-rapid-antidepressant`, `course:...`, `api`...
    pub form: String,
    /// SHA-256 (hex) of the exact consent text shown beside the form.
    pub text_hash: String,
    /// That text, stored once per hash.
    pub text: String,
    /// The client's address, truncated (/24, /48) unless the owner opted into full ones.
    pub client_ip: Option<String>,
    pub submitted_at: Millis,
}

/// Everything the signup transaction needs, already sealed and hashed.
pub struct NewSignup {
    pub list: String,
    pub email_index: [u8; 32],
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub fields_sealed: Option<Vec<u8>>,
    /// Every list of the site: the confirmation limit counts across all of them.
    pub all_lists: Vec<String>,
    pub confirm_token: NewToken,
    pub consent: ConsentContext,
    /// The person whose share link brought this one, if any (checked to be on the same
    /// list by the store).
    pub referred_by: Option<i64>,
    /// Keyed hash of the inbox normalised for counting referrals (`abuse::referral`).
    pub referral_index: [u8; 32],
    /// The language of the form (`en`, `de`): every mail to the person is in it.
    pub language: String,
    pub now: Millis,
    /// At most one confirmation mail per address within this many milliseconds.
    pub confirmation_interval: Millis,
}

/// What a signup did. Never shown to the visitor (every case gets the same answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupOutcome {
    /// A confirmation mail was queued for a new or still-unconfirmed address.
    ConfirmationQueued { subscriber_id: i64 },
    /// The address got a confirmation mail within the interval; nothing was queued.
    Throttled { subscriber_id: i64 },
    /// The person has already confirmed; nothing was queued.
    AlreadyConsented { subscriber_id: i64 },
}

pub struct Confirmation {
    /// The person whose confirmation link the caller has verified.
    pub subscriber_id: i64,
    pub now: Millis,
    /// The link to manage one's data, for the welcome mail and the page after confirming.
    pub manage_token: NewToken,
    /// Places in the line a referrer moves up for each referral who confirms (0: off).
    pub referral_boost: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// Newly confirmed (or re-confirmed after an unsubscribe); the welcome mail is queued
    /// with the manage link stored as `manage_token_id`.
    Confirmed {
        subscriber_id: i64,
        list: String,
        manage_token_id: i64,
    },
    /// Was already confirmed: nothing changed.
    AlreadyConfirmed {
        subscriber_id: i64,
        list: String,
    },
    Expired {
        list: String,
    },
    Unknown,
}

/// The kinds of mail quietlist sends. Nothing else, without a new issue saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Confirmation,
    Welcome,
    Invite,
    /// A fresh link to manage one's data, asked for on `/manage`.
    Access,
    /// The owner's announcement to a list (`quietlist announce`).
    Announcement,
}

impl MailKind {
    pub const ALL: [MailKind; 5] = [
        MailKind::Confirmation,
        MailKind::Welcome,
        MailKind::Invite,
        MailKind::Access,
        MailKind::Announcement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Welcome => "welcome",
            Self::Invite => "invite",
            Self::Access => "access",
            Self::Announcement => "announcement",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "confirmation" => Self::Confirmation,
            "welcome" => Self::Welcome,
            "invite" => Self::Invite,
            "access" => Self::Access,
            "announcement" => Self::Announcement,
            _ => return None,
        })
    }
}

/// What has gone to one address lately, on any list and before an erasure too. A mail
/// counts when the SMTP server accepted it, or while it is in flight under a live lease
/// (so two rounds or two nodes cannot both pass the cap); a failed or deferred attempt
/// counts nothing, so a mail outage costs no one their confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentMails {
    /// Mails accepted by SMTP (or in flight) since the cap window's start.
    pub all: i64,
    /// Confirmation mails accepted (or in flight) since the confirmation interval's start.
    pub confirmations: i64,
}

pub struct MailClaim {
    pub now: Millis,
    pub limit: usize,
    pub lease_ms: Millis,
    /// At most this many mails to one address within `cap_window` (the promise's cap),
    /// counted across every list and across erasure.
    pub cap: u32,
    pub cap_window: Millis,
    /// Every list of the site.
    pub all_lists: Vec<String>,
    /// At most one confirmation mail per address within this time, counted again here.
    pub confirmation_interval: Millis,
}

/// A claimed mail, with what the worker needs to render it at send time.
#[derive(Clone)]
pub struct MailJob {
    pub id: i64,
    pub kind: MailKind,
    pub subscriber_id: i64,
    pub list: String,
    pub email_sealed: Vec<u8>,
    /// The token the mail's links carry.
    pub token: Option<MailToken>,
    /// Attempts made before this one.
    pub attempts: u32,
    pub place_in_line: Option<u64>,
    /// For an invitation: what the mail says about the cohort.
    pub invitation: Option<InvitationMail>,
    /// For an announcement: what the owner wrote.
    pub announcement: Option<AnnouncementMail>,
    /// The person's name, sealed (only an announcement's `{{ name }}` reads it).
    pub name_sealed: Option<Vec<u8>>,
    /// The language the person signed up in (`de`); `None`: the site's.
    pub language: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MailAttempt {
    pub mail_id: i64,
    pub at: Millis,
    /// `None` when the server accepted the mail.
    pub error: Option<String>,
    /// When to try again; `None` with an error means give up.
    pub retry_at: Option<Millis>,
    /// The recipient's server refused the address itself for good (a 5xx to RCPT TO), in
    /// its own words with every address taken out: the person is marked undeliverable.
    pub address_refused: Option<String>,
}

/// One person in an export, still sealed.
pub struct ExportRow {
    pub subscriber_id: i64,
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub fields_sealed: Option<Vec<u8>>,
    pub status: Status,
    pub position: Option<u64>,
    pub signed_up_at: Millis,
    pub confirmed_at: Option<Millis>,
    /// Since when the address has been refused for good (see [`Undeliverable`]).
    pub undeliverable_since: Option<Millis>,
}

/// A consent record, with the text that was consented to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentRecord {
    pub list: String,
    pub form: String,
    pub text_hash: String,
    pub text: String,
    pub client_ip: Option<String>,
    pub submitted_at: Millis,
    pub confirmed_at: Millis,
}

/// A mail a person got (or was to get), without its text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MailRecord {
    pub kind: String,
    pub state: String,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

/// Everything stored about one person, still sealed.
#[derive(Debug, Clone)]
pub struct SubscriberRecord {
    pub id: i64,
    pub list: String,
    pub email_index: Vec<u8>,
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub fields_sealed: Option<Vec<u8>>,
    pub status: Status,
    pub signed_up_at: Millis,
    pub confirmed_at: Option<Millis>,
    pub unsubscribed_at: Option<Millis>,
    /// Why mail cannot reach the address, while it cannot.
    pub undeliverable: Option<Undeliverable>,
    pub place_in_line: Option<u64>,
    pub referred_by: Option<i64>,
    pub consents: Vec<ConsentRecord>,
    pub mails: Vec<MailRecord>,
}

/// A person's address was refused for good by its server at RCPT TO; cleared when a
/// later mail to them is handed over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Undeliverable {
    pub since: Millis,
    /// The server's words, without any address.
    pub reason: String,
}

/// What unsubscribing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsubscribeOutcome {
    Unsubscribed {
        list: String,
    },
    /// Was not subscribed (already unsubscribed, or never confirmed): nothing changed.
    NothingToDo {
        list: String,
    },
    Unknown,
}

/// One line of the audit log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub at: Millis,
    /// `cli`, `admin:<id>`, `subscriber:<id>`, `system`.
    pub actor: String,
    /// `export`, `import`, `view`, `erase`, `settings`...
    pub action: String,
    /// What it was about: a list, a subscriber id.
    pub subject: String,
    pub rows: i64,
    pub detail: String,
}

/// A request for a new manage link (`/manage`): the store queues an access mail for
/// every confirmed person with this address.
pub struct AccessRequest {
    pub email_index: [u8; 32],
    /// Every list of the site (the look-up goes through the (list, address) index).
    pub all_lists: Vec<String>,
    pub token: NewToken,
    pub now: Millis,
    /// At most one manage-link mail per person within this time, whoever asks: a visitor
    /// cannot spend someone else's mails.
    pub interval: Millis,
}

/// How long data is kept.
#[derive(Debug, Clone)]
pub struct RetentionPolicy {
    pub now: Millis,
    /// Unconfirmed signups are deleted after this long.
    pub pending: Millis,
    /// Sent, skipped and failed mails (and their attempts) are deleted after this long;
    /// never less than the cap's window.
    pub mail_history: Millis,
    /// Consent records whose person was erased are deleted after this long.
    pub consent_after_erasure: Millis,
    /// Links (tokens) are deleted this long after they expired, and mails that were never
    /// sent (skipped: they count toward no limit) this long after they were queued.
    pub expired_links: Millis,
    /// Every list of the site (the look-up of old signups goes list by list).
    pub lists: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub pending_deleted: u64,
    pub mails_deleted: u64,
    pub consents_deleted: u64,
    pub links_deleted: u64,
}

/// An owner account, still sealed.
#[derive(Debug, Clone)]
pub struct AdminRow {
    pub id: i64,
    pub email_sealed: Vec<u8>,
    pub created_at: Millis,
    pub role: crate::domain::Role,
}

/// A person in the owner's list of people, still sealed.
#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: i64,
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub fields_sealed: Option<Vec<u8>>,
    pub status: Status,
    pub signed_up_at: Millis,
    pub confirmed_at: Option<Millis>,
    pub referral_credits: i64,
    /// Since when the address has been refused for good (see [`Undeliverable`]).
    pub undeliverable_since: Option<Millis>,
}

/// A cohort and how its seats stand.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CohortRow {
    pub id: i64,
    pub list: String,
    pub name: String,
    pub capacity: i64,
    pub starts: Option<String>,
    pub accepted: i64,
    /// Invitations sent and not yet answered (they hold a seat).
    pub open: i64,
}

impl CohortRow {
    pub fn free_seats(&self) -> i64 {
        (self.capacity - self.accepted - self.open).max(0)
    }
}

/// "Invite the next N people in line into a cohort."
pub struct InviteRequest {
    pub list: String,
    pub cohort: String,
    pub count: u32,
    /// Invite N even when fewer seats are free (acceptances still never exceed capacity).
    pub overbook: bool,
    pub now: Millis,
    pub expires_at: Millis,
    /// The promise's cap: a person who has had `cap` mails in `cap_window` is not
    /// invited now (their invitation would not be sent); they keep their place.
    pub cap: u32,
    pub cap_window: Millis,
    /// Every list of the site: the cap counts mails across all of them.
    pub all_lists: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct InviteReport {
    pub invited: u32,
    /// Next in line, but at the mail cap: not invited, kept in their place.
    pub held_back: u32,
    /// Of those invited, how many have an address marked undeliverable: their invitation
    /// is queued all the same (the mailbox may be back), and the owner is told.
    pub undeliverable: u32,
    pub free_seats_before: i64,
    /// Confirmed people who were waiting in line before.
    pub waiting_before: u64,
}

/// What answering an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteResponse {
    Accepted {
        list: String,
        cohort: String,
    },
    Declined {
        list: String,
        cohort: String,
    },
    /// The last seat went to someone else first; the person is back in line.
    Full {
        list: String,
        cohort: String,
    },
    AlreadyAnswered {
        list: String,
        cohort: String,
        state: String,
    },
    Expired {
        list: String,
        cohort: String,
    },
    Unknown,
}

/// One valid row of an import file, sealed.
pub struct ImportRow {
    pub line: u64,
    pub email_index: [u8; 32],
    pub email_sealed: Vec<u8>,
    pub name_sealed: Option<Vec<u8>>,
    pub fields_sealed: Option<Vec<u8>>,
    /// Consent proof from the file (when the owner imports with consent).
    pub consent: Option<ConsentContext>,
    pub confirm_seed: [u8; 16],
}

pub struct ImportBatch {
    pub list: String,
    pub rows: Vec<ImportRow>,
    pub now: Millis,
    pub confirm_link_ttl: Millis,
    /// The list's consent text (hash, text), which people imported as pending will see
    /// when they confirm.
    pub list_consent: (String, String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// New people, pending (a confirmation mail queued) or confirmed (with consent proof).
    pub added: u64,
    pub confirmed: u64,
    /// Already on the list: left as they were (their own answers are theirs).
    pub already_there: u64,
    /// Erased before: never silently re-added.
    pub suppressed: u64,
    pub confirmations_queued: u64,
}

impl ImportReport {
    pub fn add(&mut self, other: ImportReport) {
        self.added += other.added;
        self.confirmed += other.confirmed;
        self.already_there += other.already_there;
        self.suppressed += other.suppressed;
        self.confirmations_queued += other.confirmations_queued;
    }
}

/// The invitation behind a token: (list, cohort, state, the cohort's start).
/// The invitation behind a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationInfo {
    pub list: String,
    pub cohort: String,
    /// `invited`, `accepted`, `declined` or `expired`.
    pub state: String,
    /// When the cohort starts, as the site settings give it.
    pub starts: Option<String>,
}

/// The link a mail carries: its purpose and the token row it is minted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailToken {
    pub purpose: TokenPurpose,
    pub id: i64,
    pub seed: Vec<u8>,
}

/// What an invitation mail says about its cohort.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationMail {
    pub cohort: String,
    pub starts: Option<String>,
    /// When the invitation can no longer be answered.
    pub expires_at: Millis,
}

/// One day's figure for the dashboard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DailyStat {
    pub day: String,
    pub scope: String,
    pub metric: String,
    pub value: i64,
}

/// Whether a sign-in attempt may check its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Counted (the rows to forget if the password is right).
    Admitted { attempt_ids: Vec<i64> },
    /// A key is at its limit until this time.
    Throttled { until: Millis },
}

/// What the database says of the secret key it is opened with (see `Store::check_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// The stored check value is this key's.
    Matches,
    /// No value was stored (a new database, or one from before the check): this key's
    /// is stored now.
    Recorded,
    /// Another key's value is stored, but nothing written with that key is left (no
    /// person, owner, suppression or consent record): this key's replaces it.
    Replaced,
    /// Another key's value is stored and data written with that key is there: nothing
    /// was changed, and the caller must refuse to go on.
    Differs,
}

/// An announcement as the store keeps it (the owner's text; nothing about a person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementMail {
    /// `id:<id>` or `sha256:<hash>`: the announcement's identity on its list.
    pub key: String,
    pub subject: String,
    pub markdown: String,
}

/// Who gets an announcement, and who is skipped and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AnnouncementReport {
    /// People in the chosen statuses (and cohort, and with the chosen field value).
    pub audience: u64,
    /// Mails queued (or, on a dry run, that would be).
    pub queued: u64,
    /// Got (or have queued) this announcement already: never a second time.
    pub already_sent: u64,
    /// Skipped: one more mail would use the last place under the cap, which is kept for
    /// the invitation they may be owed.
    pub skipped_cap: u64,
    /// Not in the audience: they unsubscribed.
    pub skipped_unsubscribed: u64,
    /// Skipped: their address is marked undeliverable (its server refused it for good at
    /// RCPT TO, and no mail has reached it since).
    pub skipped_refused: u64,
}

/// A role as stored. The column's CHECK allows only the three names; anything else
/// (a hand-edited row) reads as the least one, a viewer.
pub fn role_of(stored: &str) -> crate::domain::Role {
    crate::domain::Role::parse(stored).unwrap_or(crate::domain::Role::Viewer)
}
