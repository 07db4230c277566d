//! Announcements: the owner writes to a list, within the promise. Queued for the chosen
//! people (the store holds the cap and "once per person"), checked again at hand-off by
//! the outbox, and written in the audit log. A test copy goes to the owner's own address
//! at once and counts against nobody's cap.

use std::sync::Arc;

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::{EmailAddress, Status, TokenPurpose};
use crate::mail::Transport;
use crate::mail::compose::{MailSettings, compose, render};
use crate::privacy::audit::{Actor, AuditEvent};
use crate::publish::announcement::Announcement;
use crate::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRequest, MailJob, MailKind, MailToken,
    NewToken, now_millis,
};

/// Who an announcement goes to: some of `confirmed`, `invited`, `accepted`. Never
/// pending, unsubscribed or erased people (and not those whose invitation ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementAudience(Vec<Status>);

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
        Ok(Self(statuses))
    }

    pub fn statuses(&self) -> &[Status] {
        &self.0
    }
}

impl Default for AnnouncementAudience {
    /// People who confirmed and are waiting.
    fn default() -> Self {
        Self(vec![Status::Confirmed])
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
    /// Queues `announcement` for `audience` on `list` (each person once, ever) and writes
    /// who sent it to how many in the audit log.
    pub async fn announce(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        audience: &AnnouncementAudience,
    ) -> Result<AnnouncementReport, OwnerActionError> {
        let report = self
            .store_announcement(actor, list, announcement, audience, false)
            .await?;
        self.waitlists.mail_wake.notify_one();
        self.audit(
            actor,
            AuditEvent::Announced {
                list: list.to_owned(),
                announcement: announcement.key().to_owned(),
                subject: announcement.subject().to_owned(),
                audience: report.audience,
                queued: report.queued,
            },
        )
        .await?;
        Ok(report)
    }

    /// The figures `announce` would give, changing nothing (the same pass in the store).
    pub async fn announce_dry_run(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        audience: &AnnouncementAudience,
    ) -> Result<AnnouncementReport, OwnerActionError> {
        self.store_announcement(actor, list, announcement, audience, true)
            .await
    }

    async fn store_announcement(
        &self,
        actor: &Actor,
        list: &str,
        announcement: &Announcement,
        audience: &AnnouncementAudience,
        dry_run: bool,
    ) -> Result<AnnouncementReport, OwnerActionError> {
        let published = self.waitlists.site.load();
        if published.site.waitlist(list).is_none() {
            return Err(OwnerActionError::NoSuchList(list.to_owned()));
        }
        let now = now_millis();
        let policy = &self.waitlists.policy;
        Ok(self
            .waitlists
            .store
            .announce(AnnouncementRequest {
                list: list.to_owned(),
                announcement: stored_form(announcement),
                statuses: audience.statuses().to_vec(),
                sent_by: actor.to_string(),
                manage_token: NewToken {
                    seed: rand::random(),
                    expires_at: now + policy.manage_link_ttl,
                },
                now,
                cap: policy.mail_cap,
                cap_window: policy.mail_cap_window,
                all_lists: published.site.waitlists.keys().cloned().collect(),
                dry_run,
            })
            .await?)
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

    #[test]
    fn the_figures_read_as_one_sentence() {
        let report = AnnouncementReport {
            audience: 5,
            queued: 2,
            already_sent: 1,
            skipped_cap: 1,
            skipped_unsubscribed: 3,
            skipped_refused: 1,
        };
        assert_eq!(
            describe(&report, true),
            "2 would get it (of 5 in the chosen statuses); skipped: 1 already got it, 1 at the \
             mail cap (the last place is kept for an invitation), 1 refused address, 3 unsubscribed"
        );
    }
}
