//! Watching and steering announcement runs: the list of a list's runs with their
//! progress, one run, and pause, resume and cancel (each audited).

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::Capability;
use crate::i18n::Text;
use crate::privacy::audit::{Actor, AuditEvent};
use crate::store::{
    AnnouncementRun, PublishChange, RunAction, RunChange, RunChangeOutcome, RunProgress, RunState,
    now_millis,
};

impl OwnerActions {
    /// A list's announcements, newest first, with what their mails became.
    pub async fn announcements(&self, list: &str) -> Result<Vec<RunProgress>, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.known_list(list)?;
        Ok(self.waitlists.store.announcement_runs(list).await?)
    }

    /// One announcement by key (`id:...` or `sha256:...`; a bare id means `id:<id>`).
    pub async fn announcement(
        &self,
        list: &str,
        key: &str,
    ) -> Result<RunProgress, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.known_list(list)?;
        let key = full_key(key);
        self.waitlists
            .store
            .announcement_run(list, &key)
            .await?
            .ok_or(OwnerActionError::NoSuchAnnouncement(key))
    }

    /// Pauses, resumes or cancels a run. A paused run's queued mails stay in the outbox
    /// unsent; resumed, they go again from now at the rate; cancelled, they are skipped.
    pub async fn change_announcement(
        &self,
        actor: &Actor,
        list: &str,
        key: &str,
        action: RunAction,
    ) -> Result<AnnouncementRun, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.known_list(list)?;
        let key = full_key(key);
        let outcome = self
            .waitlists
            .store
            .change_announcement(RunChange {
                list: list.to_owned(),
                key: key.clone(),
                action,
                now: now_millis(),
                interval: self.runs.rate.interval(),
            })
            .await?;
        let run = match outcome {
            RunChangeOutcome::Changed(run) => *run,
            RunChangeOutcome::NoSuchRun => return Err(OwnerActionError::NoSuchAnnouncement(key)),
            RunChangeOutcome::WrongState(state) => {
                return Err(OwnerActionError::Refused(wrong_state(&key, action, state)));
            }
        };
        if action == RunAction::Resume {
            self.runs.wake.notify_one();
        }
        self.audit(
            actor,
            AuditEvent::AnnouncementChanged {
                list: list.to_owned(),
                announcement: key,
                action: action.as_str(),
            },
        )
        .await?;
        Ok(run)
    }

    /// Puts an announcement on the site (`/news/{id}` and the feed: at once when its run
    /// has started, else when it starts) or takes it down (its page answers 410). Audited.
    pub async fn publish_announcement(
        &self,
        actor: &Actor,
        list: &str,
        key: &str,
        publish: bool,
    ) -> Result<AnnouncementRun, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.known_list(list)?;
        let key = full_key(key);
        let run = self
            .waitlists
            .store
            .set_announcement_published(PublishChange {
                list: list.to_owned(),
                key: key.clone(),
                publish,
                now: now_millis(),
            })
            .await?
            .ok_or_else(|| OwnerActionError::NoSuchAnnouncement(key.clone()))?;
        self.audit(
            actor,
            AuditEvent::AnnouncementChanged {
                list: list.to_owned(),
                announcement: key,
                action: if publish { "publish" } else { "unpublish" },
            },
        )
        .await?;
        Ok(run)
    }

    /// The sending rate announcements go out at (`QUIETLIST_SEND_RATE`).
    pub fn send_rate(&self) -> crate::mail::rate::SendRate {
        self.runs.rate
    }

    pub(super) fn known_list(&self, list: &str) -> Result<(), OwnerActionError> {
        match self.waitlists.site.load().site.waitlist(list) {
            Some(_) => Ok(()),
            None => Err(OwnerActionError::NoSuchList(list.to_owned())),
        }
    }
}

/// The owner may type the id from the front matter; the store knows `id:<id>`.
fn full_key(key: &str) -> String {
    let key = key.trim();
    if key.starts_with("id:") || key.starts_with("sha256:") {
        key.to_owned()
    } else {
        format!("id:{key}")
    }
}

fn wrong_state(key: &str, action: RunAction, state: RunState) -> Text {
    // The hint names the states the action needs (none for cancelling a paused run).
    Text::with(
        "refused-run-state",
        vec![
            ("action", action.as_str().into()),
            ("key", key.into()),
            ("state", state.as_str().into()),
        ],
    )
}

/// A run's progress in one line: what SMTP did with its mails, and how far the run went
/// through its audience.
pub fn describe_progress(progress: &RunProgress) -> Text {
    let (run, mails) = (&progress.run, &progress.mails);
    Text::with(
        "admin-runs-progress",
        vec![
            ("sent", mails.sent.into()),
            ("waiting", mails.waiting.into()),
            ("deferred", mails.deferred.into()),
            ("in_flight", mails.in_flight.into()),
            ("refused", mails.refused.into()),
            ("cancelled", mails.cancelled.into()),
            ("skipped", mails.skipped_at_hand_off.into()),
            ("examined", run.examined.into()),
            ("total", run.total.into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn an_id_from_the_front_matter_names_its_announcement() {
        assert_eq!(full_key("dates"), "id:dates");
        assert_eq!(full_key("id:dates"), "id:dates");
        assert_eq!(full_key("sha256:ab"), "sha256:ab");
    }

    #[test]
    fn a_refusal_says_what_state_the_run_is_in() {
        let text = wrong_state("id:x", RunAction::Resume, RunState::Done).render(Language::English);
        assert_eq!(
            text,
            "cannot resume announcement id:x: it is done (only a paused run can be resumed)"
        );
    }
}
