//! Invitations: the owner invites the next N in line into a cohort; each person accepts or
//! declines from the links in their mail (a GET shows one button, a POST acts).

use super::Waitlists;
use crate::domain::TokenPurpose;
use crate::privacy::audit::{self, Actor, AuditEvent};
use crate::store::{
    InvitationInfo, InviteReport, InviteRequest, InviteResponse, StoreError, now_millis,
};

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("there is no waitlist by that name")]
    UnknownList,
    #[error(
        "the waitlist {0:?} has no cohort {1:?}; declare one in site.toml or create it in the dashboard"
    )]
    UnknownCohort(String, String),
    #[error(
        "the waitlist {0:?} has no cohort yet; declare one in site.toml or create it in the dashboard"
    )]
    NoCohort(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An invitation round: the cohort the people were invited into, and how it went.
#[derive(Debug)]
pub struct Invited {
    pub cohort: String,
    pub report: InviteReport,
}

/// What the GET of an accept or decline link shows.
#[derive(Debug)]
pub enum InvitePage {
    Open {
        list: String,
        cohort: String,
        starts: Option<String>,
        /// The language the person signed up in (`None`: the site's).
        language: Option<String>,
    },
    Answered {
        list: String,
        cohort: String,
        state: String,
        language: Option<String>,
    },
    Invalid,
}

/// What the POST of an accept or decline link did, and the language to say it in.
#[derive(Debug)]
pub struct InviteAnswer {
    pub response: InviteResponse,
    /// The language the person signed up in (`None`: the site's, or the token was unknown).
    pub language: Option<String>,
}

impl Waitlists {
    /// Invites the next `count` people in line into `cohort` (the list's first cohort if
    /// none is named), and writes the owner's action to the audit log. People at the mail
    /// cap are passed over (they keep their place) and counted in the report.
    pub async fn invite_next(
        &self,
        list: &str,
        count: u32,
        cohort: Option<&str>,
        overbook: bool,
        actor: &Actor,
    ) -> Result<Invited, InviteError> {
        let published = self.site.load();
        if published.site.waitlist(list).is_none() {
            return Err(InviteError::UnknownList);
        }
        let cohorts = self.store.cohorts(list).await?;
        let cohort = match cohort {
            Some(name) => cohorts
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| InviteError::UnknownCohort(list.into(), name.into()))?,
            None => cohorts
                .first()
                .ok_or_else(|| InviteError::NoCohort(list.into()))?,
        };
        let now = now_millis();
        let report = self
            .store
            .invite_next(InviteRequest {
                list: list.to_owned(),
                cohort: cohort.name.clone(),
                count,
                overbook,
                now,
                expires_at: now + self.policy.invite_ttl,
                cap: self.policy.mail_cap,
                cap_window: self.policy.mail_cap_window,
                all_lists: published.site.waitlists.keys().cloned().collect(),
            })
            .await?
            .ok_or_else(|| InviteError::UnknownCohort(list.into(), cohort.name.clone()))?;
        audit::record(
            self.store.as_ref(),
            actor,
            AuditEvent::Invited {
                list: list.to_owned(),
                cohort: cohort.name.clone(),
                asked: count,
                invited: report.invited,
                held_back: report.held_back,
                undeliverable: report.undeliverable,
            },
        )
        .await?;
        if report.invited > 0 {
            self.mail_wake.notify_one();
        }
        tracing::info!(list, cohort = %cohort.name, invited = report.invited, held_back = report.held_back, undeliverable = report.undeliverable, "invited the next people in line");
        Ok(Invited {
            cohort: cohort.name.clone(),
            report,
        })
    }

    pub async fn invite_page(
        &self,
        token: &str,
        purpose: TokenPurpose,
    ) -> Result<InvitePage, StoreError> {
        let Some(row) = self.verified_token(token, purpose).await? else {
            return Ok(InvitePage::Invalid);
        };
        Ok(match self.store.invitation(row.id).await? {
            Some(InvitationInfo {
                list,
                cohort,
                state,
                starts,
            }) if state == "invited" => InvitePage::Open {
                list,
                cohort,
                starts,
                language: row.language,
            },
            Some(InvitationInfo {
                list,
                cohort,
                state,
                ..
            }) => InvitePage::Answered {
                list,
                cohort,
                state,
                language: row.language,
            },
            None => InvitePage::Invalid,
        })
    }

    pub async fn answer_invitation(
        &self,
        token: &str,
        accept: bool,
    ) -> Result<InviteAnswer, StoreError> {
        let purpose = if accept {
            TokenPurpose::Accept
        } else {
            TokenPurpose::Decline
        };
        let Some(row) = self.verified_token(token, purpose).await? else {
            return Ok(InviteAnswer {
                response: InviteResponse::Unknown,
                language: None,
            });
        };
        let response = self
            .store
            .respond_to_invitation(row.id, accept, now_millis())
            .await?;
        tracing::info!(
            subscriber = row.subscriber_id,
            ?response,
            "an invitation was answered"
        );
        Ok(InviteAnswer {
            response,
            language: row.language,
        })
    }
}
