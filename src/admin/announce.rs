//! Announcements: the owner writes to a list, within the promise. Recorded as a run that
//! the dispatcher (mail/dispatcher.rs) queues over time at the sending rate (the store
//! holds the cap and "once per person"), checked again at hand-off by the outbox, and
//! written in the audit log. A test copy goes to the owner's own address at once and
//! counts against nobody's cap.

use crate::domain::Capability;
use std::sync::Arc;

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::{EmailAddress, Status, TokenPurpose};
use crate::i18n::{Language, Text, tr};
use crate::mail::Transport;
use crate::mail::compose::{MailSettings, compose, render};
use crate::mail::dispatcher::fields_filter;
use crate::privacy::audit::{Actor, AuditEvent};
use crate::publish::announcement::Announcement;
use crate::store::{
    AnnouncementMail, AnnouncementReport, DryRun, MailJob, MailKind, MailToken, Millis, NewRun,
    RunAudience, RunRules, RunStart, RunState, now_millis,
};

/// Who an announcement goes to: some of `confirmed`, `invited`, `accepted`, optionally
/// only those invited to a cohort, or whose custom field has a value. Never pending,
/// unsubscribed or erased people (and not those whose invitation ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementAudience {
    statuses: Vec<Status>,
    cohort: Option<String>,
    field_equals: Option<(String, String)>,
}

impl AnnouncementAudience {
    /// The statuses an owner may choose.
    pub const CHOOSABLE: [Status; 3] = [Status::Confirmed, Status::Invited, Status::Accepted];

    /// `confirmed,invited`: a comma-separated list of choosable statuses.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut statuses = Vec::new();
        for word in input.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let status = Status::parse(word)
                .filter(|s| Self::CHOOSABLE.contains(s))
                .ok_or_else(|| {
                    format!(
                        "{word:?}: an announcement goes only to confirmed, invited or accepted people"
                    )
                })?;
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
        if statuses.is_empty() {
            return Err("name at least one of confirmed, invited, accepted".to_owned());
        }
        Ok(Self {
            statuses,
            cohort: None,
            field_equals: None,
        })
    }

    /// Only people invited to this cohort, whatever their invitation became (checked
    /// against the list's cohorts when the announcement is sent).
    pub fn in_cohort(mut self, cohort: &str) -> Self {
        self.cohort = Some(cohort.trim().to_owned());
        self
    }

    /// Only people whose custom field has this value: `FIELD=VALUE`.
    pub fn where_field(mut self, condition: &str) -> Result<Self, String> {
        let (field, value) = condition
            .split_once('=')
            .map(|(f, v)| (f.trim(), v.trim()))
            .filter(|(f, _)| !f.is_empty())
            .ok_or_else(|| format!("{condition:?}: write FIELD=VALUE, e.g. role=teacher"))?;
        self.field_equals = Some((field.to_owned(), value.to_owned()));
        Ok(self)
    }

    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }

    /// The audience in words, for the audit log and the command line.
    pub fn describe(&self) -> String {
        let mut words = self
            .statuses
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        words.push_str(" people");
        if let Some(cohort) = &self.cohort {
            words.push_str(&format!(" invited to cohort {cohort}"));
        }
        if let Some((field, value)) = &self.field_equals {
            words.push_str(&format!(" whose {field} is {value:?}"));
        }
        words
    }

    /// The audience in words, for the owner's pages in `language`.
    pub fn describe_in(&self, language: Language) -> String {
        let statuses = self
            .statuses
            .iter()
            .map(|s| tr(language, "admin-status", &[("status", s.as_str().into())]))
            .collect::<Vec<_>>()
            .join(", ");
        let mut words = tr(language, "admin-audience", &[("statuses", statuses.into())]);
        if let Some(cohort) = &self.cohort {
            words = tr(
                language,
                "admin-audience-cohort",
                &[
                    ("audience", words.into()),
                    ("cohort", cohort.as_str().into()),
                ],
            );
        }
        if let Some((field, value)) = &self.field_equals {
            words = tr(
                language,
                "admin-audience-field",
                &[
                    ("audience", words.into()),
                    ("field", field.as_str().into()),
                    ("value", value.as_str().into()),
                ],
            );
        }
        words
    }

    fn for_store(&self) -> RunAudience {
        RunAudience {
            statuses: self.statuses.clone(),
            cohort: self.cohort.clone(),
            field_equals: self.field_equals.clone(),
        }
    }
}

impl From<&RunAudience> for AnnouncementAudience {
    /// A stored run's audience, to describe it.
    fn from(stored: &RunAudience) -> Self {
        Self {
            statuses: stored.statuses.clone(),
            cohort: stored.cohort.clone(),
            field_equals: stored.field_equals.clone(),
        }
    }
}

impl Default for AnnouncementAudience {
    /// People who confirmed and are waiting.
    fn default() -> Self {
        Self {
            statuses: vec![Status::Confirmed],
            cohort: None,
            field_equals: None,
        }
    }
}

/// Where a test copy goes, and how.
pub struct TestCopy<'a> {
    pub to: &'a EmailAddress,
    pub transport: &'a Transport,
    pub settings: &'a MailSettings,
}

/// The server's way out for mail, shared with the outbox worker: the owner's test copies
/// go through it, and previews are rendered with its settings.
#[derive(Clone)]
pub struct MailOut {
    pub transport: Arc<Transport>,
    pub settings: Arc<MailSettings>,
}

/// An announcement as the people on a list get it (their name as the fallback), rendered
/// by the code that renders the real mails.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnnouncementPreview {
    pub from: String,
    pub subject: String,
    pub text: String,
    /// The whole HTML part, a document of its own.
    pub html: String,
}

impl OwnerActions {
    /// Records `announcement` for `audience` on `list`, to go out from `send_at` (now when
    /// `None` or past) at the sending rate, each person once, ever; writes who sent it to
    /// whom in the audit log, and returns at once: the dispatcher queues the people.
    /// Sent again while its run is going (or paused), the run is returned as it is; sent
    /// again after it finished, a new pass reaches only people not mailed yet.
    pub async fn announce(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        audience: &AnnouncementAudience,
        send_at: Option<Millis>,
    ) -> Result<RunStart, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.check_audience(list, audience)?;
        let now = now_millis();
        let send_at = send_at.unwrap_or(now).max(now);
        let start = self
            .waitlists
            .store
            .start_announcement(NewRun {
                list: list.to_owned(),
                announcement: stored_form(announcement),
                audience: audience.for_store(),
                sent_by: actor.to_string(),
                send_at,
                now,
                publish: announcement.publish(),
            })
            .await?;
        if !start.started {
            if start.run.state == RunState::Cancelled {
                return Err(OwnerActionError::Refused(Text::with(
                    "refused-cancelled-announcement",
                    vec![("key", start.run.key.as_str().into())],
                )));
            }
            return Ok(start);
        }
        self.runs.wake.notify_one();
        self.audit(
            actor,
            AuditEvent::Announced {
                list: list.to_owned(),
                announcement: announcement.key().to_owned(),
                subject: announcement.subject().to_owned(),
                audience: audience.describe(),
                people: start.run.total,
                scheduled_for: (send_at > now).then(|| timestamp(send_at)),
            },
        )
        .await?;
        Ok(start)
    }

    /// The figures a run of `announcement` would end with, changing nothing: the same
    /// rules over the same people.
    pub async fn announce_dry_run(
        &self,
        _actor: &Actor,
        list: &str,
        announcement: &Announcement,
        audience: &AnnouncementAudience,
    ) -> Result<AnnouncementReport, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        self.check_audience(list, audience)?;
        let policy = &self.waitlists.policy;
        let filter = audience
            .field_equals
            .as_ref()
            .map(|(field, value)| fields_filter(self.waitlists.vault.clone(), field, value));
        Ok(self
            .waitlists
            .store
            .announcement_dry_run(DryRun {
                list: list.to_owned(),
                key: announcement.key().to_owned(),
                audience: audience.for_store(),
                rules: RunRules {
                    now: now_millis(),
                    cap: policy.mail_cap,
                    cap_window: policy.mail_cap_window,
                    all_lists: self
                        .waitlists
                        .site
                        .load()
                        .site
                        .waitlists
                        .keys()
                        .cloned()
                        .collect(),
                    filter,
                },
            })
            .await?)
    }

    /// The list exists, and so do the cohort and the field the audience names.
    fn check_audience(
        &self,
        list: &str,
        audience: &AnnouncementAudience,
    ) -> Result<(), OwnerActionError> {
        let published = self.waitlists.site.load();
        let Some(settings) = published.site.waitlist(list) else {
            return Err(OwnerActionError::NoSuchList(list.to_owned()));
        };
        if let Some(cohort) = &audience.cohort
            && !settings
                .settings
                .cohorts
                .iter()
                .any(|c| c.name.as_str() == cohort)
        {
            return Err(OwnerActionError::Refused(Text::with(
                "refused-no-cohort",
                vec![
                    ("list", list.into()),
                    ("cohort", format!("{cohort:?}").into()),
                ],
            )));
        }
        if let Some((field, _)) = &audience.field_equals
            && !settings.settings.fields.iter().any(|f| &f.name == field)
        {
            return Err(OwnerActionError::Refused(Text::with(
                "refused-no-field",
                vec![
                    ("list", list.into()),
                    ("field", format!("{field:?}").into()),
                ],
            )));
        }
        Ok(())
    }

    /// Sends one copy to the owner's own address, now, as the people on `list` would get
    /// it (subject marked as a test; its personal links lead nowhere). It is in no
    /// person's mail count: nobody's cap is spent.
    pub async fn send_test_announcement(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        copy: TestCopy<'_>,
    ) -> Result<(), OwnerActionError> {
        self.allow(Capability::Announce).await?;
        let published = self.waitlists.site.load();
        if published.site.waitlist(list).is_none() {
            return Err(OwnerActionError::NoSuchList(list.to_owned()));
        }
        let mut stored = stored_form(announcement);
        stored.subject = format!("[test] {}", stored.subject);
        let job = test_job(list, stored);
        let to = copy
            .to
            .as_str()
            .parse()
            .map_err(|e| anyhow::anyhow!("the test address: {e}"))?;
        let composed = compose(copy.settings, &published, &self.waitlists.vault, &job, to)?;
        copy.transport
            .send(
                composed.message,
                &format!("{}-announcement-test", now_millis()),
            )
            .await
            .map_err(|e| OwnerActionError::MailNotSent(e.message))?;
        self.audit(
            actor,
            AuditEvent::AnnouncementTestSent {
                list: list.to_owned(),
                announcement: announcement.key().to_owned(),
            },
        )
        .await
    }
}

impl OwnerActions {
    /// The mail `announcement` becomes, exactly as the outbox would send it to someone on
    /// `list` who gave no name (their personal links are stand-ins). Changes nothing.
    pub fn preview_announcement(
        &self,
        list: &str,
        announcement: &Announcement,
        settings: &MailSettings,
    ) -> Result<AnnouncementPreview, OwnerActionError> {
        let published = self.waitlists.site.load();
        if published.site.waitlist(list).is_none() {
            return Err(OwnerActionError::NoSuchList(list.to_owned()));
        }
        let job = test_job(list, stored_form(announcement));
        let rendered = render(settings, &published, &self.waitlists.vault, &job)?;
        Ok(AnnouncementPreview {
            from: settings.from.to_string(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        })
    }

    /// Sends a test copy to the signed-in owner's own address, read from their account:
    /// never to an address the request names. Returns where it went (with the development
    /// mailbox, a stand-in: the mailbox keeps no address in clear).
    pub async fn send_test_announcement_to_owner(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        mail: &MailOut,
    ) -> Result<EmailAddress, OwnerActionError> {
        self.allow(Capability::Announce).await?;
        let Actor::Owner { admin_id } = actor else {
            return Err(
                anyhow::anyhow!("only a signed-in owner has an address of their own").into(),
            );
        };
        let to = if mail.transport.is_dev_mailbox() {
            EmailAddress::parse(&format!("owner-{admin_id}@dev-mailbox.invalid"))
                .map_err(|e| anyhow::anyhow!("the stand-in address: {e}"))?
        } else {
            let account = self
                .waitlists
                .store
                .admins()
                .await?
                .into_iter()
                .find(|a| a.id == *admin_id)
                .ok_or_else(|| anyhow::anyhow!("owner account {admin_id} is gone"))?;
            self.waitlists.vault.open_email(&account.email_sealed)?
        };
        let copy = TestCopy {
            to: &to,
            transport: &mail.transport,
            settings: &mail.settings,
        };
        self.send_test_announcement(actor, list, announcement, copy)
            .await?;
        Ok(to)
    }
}

/// The figures, as the command line (and later the admin's preview) says them. A dry
/// run and a real run read the same, but for the verb.
pub fn describe(report: &AnnouncementReport, dry_run: bool) -> String {
    let verb = if dry_run { "would get it" } else { "queued" };
    format!(
        "{queued} {verb} (of {audience} in the chosen statuses); skipped: {already} already got it, \
         {cap} at the mail cap (the last place is kept for an invitation), {refused} refused address, \
         {unsubscribed} unsubscribed",
        queued = report.queued,
        audience = report.audience,
        already = report.already_sent,
        cap = report.skipped_cap,
        refused = report.skipped_refused,
        unsubscribed = report.skipped_unsubscribed,
    )
}

/// `2026-06-01T09:00:00Z`.
pub fn timestamp(at: Millis) -> String {
    crate::waitlist::export::timestamp(at)
}

fn stored_form(announcement: &Announcement) -> AnnouncementMail {
    AnnouncementMail {
        key: announcement.key().to_owned(),
        subject: announcement.subject().to_owned(),
        markdown: announcement.stored_markdown(),
    }
}

/// A mail job for nobody (subscriber 0 never exists): the test copy is composed by the
/// very code that composes the real ones.
fn test_job(list: &str, announcement: AnnouncementMail) -> MailJob {
    MailJob {
        language: None,
        id: 0,
        kind: MailKind::Announcement,
        subscriber_id: 0,
        list: list.to_owned(),
        email_sealed: Vec::new(),
        token: Some(MailToken {
            purpose: TokenPurpose::Manage,
            id: 0,
            seed: rand::random::<[u8; 16]>().to_vec(),
        }),
        attempts: 0,
        place_in_line: None,
        invitation: None,
        announcement: Some(announcement),
        name_sealed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_read_as_one_sentence() {
        let report = AnnouncementReport {
            audience: 5,
            queued: 2,
            already_sent: 1,
            skipped_cap: 1,
            skipped_refused: 1,
            skipped_unsubscribed: 3,
        };
        let text = describe(&report, false);
        assert!(!text.contains("  "), "a run of spaces: {text:?}");
        assert_eq!(
            text,
            "2 queued (of 5 in the chosen statuses); skipped: 1 already got it, 1 at the mail cap \
             (the last place is kept for an invitation), 1 refused address, 3 unsubscribed"
        );
        assert!(describe(&report, true).starts_with("2 would get it"));
    }

    #[test]
    fn an_audience_can_be_narrowed_to_a_cohort_and_a_field_value() {
        let audience = AnnouncementAudience::default()
            .in_cohort("pilot-1")
            .where_field("role = trainee")
            .unwrap();
        assert_eq!(
            audience.describe(),
            "confirmed people invited to cohort pilot-1 whose role is \"trainee\""
        );
        assert!(AnnouncementAudience::default().where_field("role").is_err());
        assert!(AnnouncementAudience::default().where_field("=x").is_err());
    }

    #[test]
    fn an_audience_is_only_ever_people_who_confirmed() {
        assert_eq!(
            AnnouncementAudience::parse("accepted, invited,accepted")
                .unwrap()
                .statuses(),
            &[Status::Accepted, Status::Invited]
        );
        for refused in [
            "pending",
            "unsubscribed",
            "declined",
            "erased",
            "",
            "confirmed,pending",
        ] {
            assert!(AnnouncementAudience::parse(refused).is_err(), "{refused}");
        }
        assert_eq!(
            AnnouncementAudience::default().statuses(),
            &[Status::Confirmed]
        );
    }
}
