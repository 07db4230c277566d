//! Announcement runs across the store seam: an announcement goes out over time, a batch
//! at a time, and can be scheduled, paused, cancelled and watched.

use std::sync::Arc;

use crate::domain::Status;

use super::{AnnouncementMail, AnnouncementReport, Millis, NewToken};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Waits for its `send_at`.
    Scheduled,
    /// The dispatcher queues its people, a batch at a time.
    Sending,
    /// Nothing more is queued, and its queued mails are not handed over.
    Paused,
    /// Stopped for good: its unsent mails were skipped.
    Cancelled,
    /// Every person of the audience was examined.
    Done,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "scheduled" => Self::Scheduled,
            "sending" => Self::Sending,
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "done" => Self::Done,
            _ => return None,
        })
    }

    /// Still going (or about to): the same announcement sent again joins it.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Scheduled | Self::Sending | Self::Paused)
    }
}

/// Who a run goes to. Only statuses with standing consent are ever mailed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunAudience {
    pub statuses: Vec<Status>,
    /// Only people invited to this cohort (whatever their invitation's state).
    pub cohort: Option<String>,
    /// Only people whose custom field has this value. The store never reads it: fields
    /// are sealed, so the caller's [`FieldsFilter`] compares them.
    pub field_equals: Option<(String, String)>,
}

impl RunAudience {
    /// The statuses as stored: `confirmed,invited`.
    pub fn statuses_text(&self) -> String {
        self.statuses
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The statuses that may be mailed, as text (for the audience query).
    pub fn mailable_statuses(&self) -> Vec<String> {
        self.statuses
            .iter()
            .filter(|s| s.has_standing_consent())
            .map(|s| s.as_str().to_owned())
            .collect()
    }

    pub fn parse_statuses(text: &str) -> Vec<Status> {
        text.split(',').filter_map(Status::parse).collect()
    }
}

/// Whether a person (by their sealed custom fields) is in the audience.
pub type FieldsFilter = Arc<dyn Fn(Option<&[u8]>) -> bool + Send + Sync>;

/// "Send this announcement to these people on this list, from `send_at`."
#[derive(Clone)]
pub struct NewRun {
    pub list: String,
    pub announcement: AnnouncementMail,
    pub audience: RunAudience,
    /// Who sent it, for the announcement's row (the audit log has it too).
    pub sent_by: String,
    pub send_at: Millis,
    pub now: Millis,
    /// Put it on the site when its run starts.
    pub publish: bool,
}

/// What `start_announcement` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    pub run: AnnouncementRun,
    /// False when the same announcement was already scheduled, sending, paused or
    /// cancelled: the run is returned as it was, unchanged.
    pub started: bool,
}

/// One announcement and its latest run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementRun {
    pub id: i64,
    pub list: String,
    /// `id:<id>` or `sha256:<hash>`.
    pub key: String,
    pub subject: String,
    pub state: RunState,
    pub audience: RunAudience,
    pub send_at: Millis,
    pub sent_by: String,
    pub created_at: Millis,
    /// The last subscriber id examined.
    pub cursor: i64,
    /// People in the chosen statuses (and cohort) when the run started.
    pub total: u64,
    /// How many of them the run has examined.
    pub examined: u64,
    /// The run's figures so far; once done, a dry run's figures.
    pub report: AnnouncementReport,
    pub next_slot: Millis,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    /// Whether it is on the site (`/news/{id}` and the feed).
    pub publication: Publication,
}

/// Whether an announcement is on the site. It goes up when its run starts (a scheduled
/// run: at its `send_at`), never for a test copy or a dry run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Publication {
    /// The owner wants it on the site.
    pub publish: bool,
    /// When it went public (its run's start, or a publish after the fact).
    pub published_at: Option<Millis>,
    /// When the owner took it down (it answers 410 since).
    pub unpublished_at: Option<Millis>,
}

impl Publication {
    /// On the site at `now`.
    pub fn is_public(&self, now: Millis) -> bool {
        self.published_at.is_some_and(|at| at <= now) && self.unpublished_at.is_none()
    }

    /// Was on the site and was taken down.
    pub fn is_withdrawn(&self) -> bool {
        self.published_at.is_some() && self.unpublished_at.is_some()
    }
}

/// "Put this announcement on the site (now, or when its run starts), or take it down."
#[derive(Debug, Clone)]
pub struct PublishChange {
    pub list: String,
    pub key: String,
    pub publish: bool,
    pub now: Millis,
}

/// An announcement as the site shows it: the owner's text, never a person's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAnnouncement {
    pub id: i64,
    pub list: String,
    pub key: String,
    pub subject: String,
    /// As stored: the name fallback on the first line, then the Markdown.
    pub markdown: String,
    pub published_at: Millis,
}

/// What `/news/{id}` finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewsLookup {
    Published(Box<PublishedAnnouncement>),
    /// It was published and the owner took it down: 410.
    Withdrawn,
    /// No such announcement, never published, or not yet: 404.
    Missing,
}

/// What `/news/{id}` finds, from the row (with when it was taken down), the same on
/// both backends.
pub fn news_lookup(
    found: Option<(PublishedAnnouncement, Option<Millis>)>,
    now: Millis,
) -> NewsLookup {
    match found {
        Some((_, Some(_))) => NewsLookup::Withdrawn,
        Some((announcement, None)) if announcement.published_at <= now => {
            NewsLookup::Published(Box::new(announcement))
        }
        _ => NewsLookup::Missing,
    }
}

/// The most published announcements the feed and the sitemap list.
pub const MAX_PUBLISHED_LISTED: u32 = 50;

/// What happened to a run's queued mails, from the outbox (SMTP's answers only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunMails {
    /// Queued, not tried yet.
    pub waiting: u64,
    /// Queued again after a transient failure (4xx, no connection).
    pub deferred: u64,
    /// Handed to SMTP right now.
    pub in_flight: u64,
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Refused for good (5xx), or given up after the last retry.
    pub refused: u64,
    /// Not sent: the run was cancelled.
    pub cancelled: u64,
    /// Not sent: at hand-off the person had left, or the cap was reached.
    pub skipped_at_hand_off: u64,
}

/// A run and what its mails became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunProgress {
    pub run: AnnouncementRun,
    pub mails: RunMails,
    /// The refused mails by the server's words (addresses taken out), most first.
    pub refusals: Vec<Refusal>,
}

/// How many of a run's mails were refused for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the server said (e.g. `RCPT TO: 550 5.1.1 <address>: User unknown`).
    pub reason: String,
    pub mails: u64,
}

/// The most reasons a run's progress lists (the rest are in the count).
pub const MAX_REFUSAL_REASONS: i64 = 10;

/// The rules every person of a run is checked against.
#[derive(Clone)]
pub struct RunRules {
    pub now: Millis,
    /// The promise's cap, counted across every list and across erasure.
    pub cap: u32,
    pub cap_window: Millis,
    pub all_lists: Vec<String>,
    /// `None` unless the run has a `field_equals`.
    pub filter: Option<FieldsFilter>,
}

/// "Queue the next batch of this run, if its slots are near."
#[derive(Clone)]
pub struct RunBatch {
    pub run_id: i64,
    pub rules: RunRules,
    /// Queue only while the next slot is before `now + horizon`.
    pub horizon: Millis,
    /// Milliseconds between two mails (1000 / the sending rate).
    pub interval: Millis,
    /// At most this many people examined.
    pub size: u32,
    /// The seed of each person's manage link in the mail.
    pub manage_token: NewToken,
}

/// What one batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    pub state: RunState,
    pub examined: u64,
    pub queued: u64,
}

impl BatchOutcome {
    /// Nothing examined: the run is in `state` (or gone, `Done`).
    pub fn idle(state: RunState) -> Self {
        Self {
            state,
            examined: 0,
            queued: 0,
        }
    }
}

/// A batch's decisions, the same on both backends: each backend reads and writes, these
/// say what changes.
impl AnnouncementRun {
    /// A scheduled run whose time has come.
    pub fn is_due_to_start(&self, now: Millis) -> bool {
        self.state == RunState::Scheduled && self.send_at <= now
    }

    /// Starts sending now, with its audience counted at this moment.
    pub fn start_sending(&mut self, now: Millis, total: u64, unsubscribed: u64) {
        self.state = RunState::Sending;
        self.started_at = Some(now);
        self.total = total;
        self.report.skipped_unsubscribed = unsubscribed;
        self.next_slot = now;
    }

    /// One person examined; a queued mail takes the next slot.
    pub fn examined_one(&mut self, person: i64, verdict: Verdict, interval: Millis) {
        self.report.count(verdict);
        self.cursor = person;
        if verdict == Verdict::Queue {
            self.next_slot += interval.max(1);
        }
    }

    /// Done once the audience is exhausted (the batch read fewer people than it asked
    /// for, and examined them all) and the last mail's slot has come: until then its
    /// queued mails can still be paused or cancelled.
    pub fn finish_if_exhausted(&mut self, examined: u64, read: usize, size: u32, now: Millis) {
        self.examined += examined;
        let exhausted = examined == read as u64 && read < size as usize;
        if exhausted && self.next_slot <= now {
            self.state = RunState::Done;
            self.finished_at = Some(now);
        }
    }
}

/// "Count who this announcement would reach, changing nothing."
#[derive(Clone)]
pub struct DryRun {
    pub list: String,
    pub key: String,
    pub audience: RunAudience,
    pub rules: RunRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAction {
    Pause,
    Resume,
    Cancel,
}

impl RunAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
        }
    }
}

/// "Pause, resume or cancel this run."
#[derive(Debug, Clone)]
pub struct RunChange {
    pub list: String,
    pub key: String,
    pub action: RunAction,
    pub now: Millis,
    /// For a resume: its queued mails are due again from now, one per interval.
    pub interval: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunChangeOutcome {
    Changed(Box<AnnouncementRun>),
    NoSuchRun,
    /// The action does not apply to a run in this state (resume a done run...).
    WrongState(RunState),
}

impl RunAction {
    /// The state a run in `from` goes to, or `None` when the action does not apply.
    /// A resumed run whose time has not come waits for it again.
    pub fn next_state(self, from: RunState, send_at: Millis, now: Millis) -> Option<RunState> {
        match (self, from) {
            (Self::Pause, RunState::Scheduled | RunState::Sending) => Some(RunState::Paused),
            (Self::Resume, RunState::Paused) if send_at > now => Some(RunState::Scheduled),
            (Self::Resume, RunState::Paused) => Some(RunState::Sending),
            (Self::Cancel, RunState::Scheduled | RunState::Sending | RunState::Paused) => {
                Some(RunState::Cancelled)
            }
            _ => None,
        }
    }
}

/// What the rules say about one person of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Their custom field does not have the chosen value.
    NotInAudience,
    AlreadySent,
    Refused,
    OverCap,
    Queue,
}

impl AnnouncementReport {
    /// Counts one examined person.
    pub fn count(&mut self, verdict: Verdict) {
        if verdict == Verdict::NotInAudience {
            return;
        }
        self.audience += 1;
        match verdict {
            Verdict::NotInAudience => {}
            Verdict::AlreadySent => self.already_sent += 1,
            Verdict::Refused => self.skipped_refused += 1,
            Verdict::OverCap => self.skipped_cap += 1,
            Verdict::Queue => self.queued += 1,
        }
    }
}

/// How many mails fit before `now + horizon`, from `next_slot`, one per `interval`.
pub fn slots_before_horizon(
    next_slot: Millis,
    now: Millis,
    horizon: Millis,
    interval: Millis,
) -> u64 {
    let end = now + horizon;
    let start = next_slot.max(now);
    if start >= end {
        return 0;
    }
    let interval = interval.max(1);
    ((end - start + interval - 1) / interval) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fill_the_horizon_and_no_more() {
        assert_eq!(slots_before_horizon(0, 1_000, 30_000, 100), 300);
        assert_eq!(slots_before_horizon(31_000, 1_000, 30_000, 100), 0);
        assert_eq!(slots_before_horizon(30_950, 1_000, 30_000, 100), 1);
    }

    #[test]
    fn only_a_paused_run_resumes_and_a_finished_one_stays_finished() {
        use RunAction::*;
        use RunState::*;
        assert_eq!(Pause.next_state(Sending, 0, 1), Some(Paused));
        assert_eq!(Resume.next_state(Paused, 0, 1), Some(Sending));
        assert_eq!(Resume.next_state(Paused, 5, 1), Some(Scheduled));
        assert_eq!(Resume.next_state(Done, 0, 1), None);
        assert_eq!(Resume.next_state(Sending, 0, 1), None);
        assert_eq!(Cancel.next_state(Done, 0, 1), None);
        assert_eq!(Cancel.next_state(Cancelled, 0, 1), None);
        assert_eq!(Pause.next_state(Paused, 0, 1), None);
    }
}
