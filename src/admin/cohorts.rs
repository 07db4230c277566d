//! Cohorts: the seats of a list, created from the site settings or by the owner, and the
//! owner's invitation rounds into them.

use crate::domain::Capability;
use anyhow::Context;
use serde::Serialize;

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::Slug;
use crate::privacy::audit::{Actor, AuditEvent};
use crate::publish::Published;
use crate::store::{CohortRow, Store, now_millis};
use crate::waitlist::Invited;

/// A cohort the owner saves: parsed at the edge.
#[derive(Debug, Clone)]
pub struct NewCohort {
    pub name: Slug,
    pub capacity: u32,
    /// When it starts, in the owner's words ("June 2026"), at most 40 characters.
    pub starts: Option<String>,
}

/// How a cohort's seats stand.
#[derive(Debug, Clone, Serialize)]
pub struct CohortSeats {
    pub name: String,
    pub capacity: i64,
    pub accepted: i64,
    /// Invitations sent and not yet answered (they hold a seat).
    pub open: i64,
    pub free: i64,
    pub starts: Option<String>,
}

impl From<CohortRow> for CohortSeats {
    fn from(c: CohortRow) -> Self {
        Self {
            free: c.free_seats(),
            name: c.name,
            capacity: c.capacity,
            accepted: c.accepted,
            open: c.open,
            starts: c.starts,
        }
    }
}

/// An invitation round the owner asks for.
#[derive(Debug, Clone)]
pub struct InviteRound {
    pub count: u32,
    /// The list's first cohort when `None`.
    pub cohort: Option<String>,
    /// Invite that many even if fewer seats are free (acceptances still stop at capacity).
    pub overbook: bool,
}

impl OwnerActions {
    /// `list`'s cohorts and their seats.
    pub async fn cohorts(&self, list: &str) -> Result<Vec<CohortSeats>, OwnerActionError> {
        self.allow(Capability::SeeFigures).await?;
        Ok(self
            .waitlists
            .store
            .cohorts(list)
            .await?
            .into_iter()
            .map(CohortSeats::from)
            .collect())
    }

    /// Creates a cohort on `list`, or sets its capacity and start.
    pub async fn save_cohort(
        &self,
        actor: &Actor,
        list: &str,
        cohort: NewCohort,
    ) -> Result<(), OwnerActionError> {
        self.allow(Capability::Invite).await?;
        if self.waitlists.site.load().site.waitlist(list).is_none() {
            return Err(OwnerActionError::NoSuchList(list.to_owned()));
        }
        self.waitlists
            .store
            .ensure_cohort(
                list,
                cohort.name.as_str(),
                i64::from(cohort.capacity),
                cohort.starts,
                now_millis(),
            )
            .await?;
        self.audit(
            actor,
            AuditEvent::CohortSaved {
                list: list.to_owned(),
                cohort: cohort.name.as_str().to_owned(),
                capacity: cohort.capacity,
            },
        )
        .await
    }

    /// Invites the next people in line (audited by the waitlist use case it runs).
    pub async fn invite_next(
        &self,
        actor: &Actor,
        list: &str,
        round: InviteRound,
    ) -> Result<Invited, OwnerActionError> {
        self.allow(Capability::Invite).await?;
        Ok(self
            .waitlists
            .invite_next(
                list,
                round.count,
                round.cohort.as_deref(),
                round.overbook,
                actor,
            )
            .await?)
    }

    /// Creates the cohorts the site settings declare (or updates their capacity): a
    /// command run before the server ever started still finds them.
    pub async fn seed_cohorts(&self) -> anyhow::Result<()> {
        seed_cohorts(self.waitlists.store.as_ref(), &self.waitlists.site.load()).await
    }
}

/// Creates the cohorts the site settings declare (or updates their capacity).
pub async fn seed_cohorts(store: &dyn Store, published: &Published) -> anyhow::Result<()> {
    let now = now_millis();
    for (name, list) in &published.site.waitlists {
        for cohort in &list.settings.cohorts {
            store
                .ensure_cohort(
                    name,
                    cohort.name.as_str(),
                    i64::from(cohort.capacity),
                    cohort.starts.clone(),
                    now,
                )
                .await
                .with_context(|| format!("saving cohort {} of {name}", cohort.name))?;
        }
    }
    Ok(())
}
