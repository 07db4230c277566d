//! The dashboard's figures: per waitlist, people by status, form submissions per day, the
//! funnel from page views to acceptances, and the cohorts' seats.

use crate::domain::Capability;
use serde::Serialize;

use super::actions::{OwnerActionError, OwnerActions};
use super::cohorts::CohortSeats;
use super::people::StatusCount;
use crate::domain::Status;
use crate::i18n::msg;
use crate::store::{DAY, DailyStat, Millis};
use crate::waitlist::export::timestamp;

/// Days the dashboard shows.
pub const DASHBOARD_DAYS: i64 = 30;

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub days: i64,
    pub lists: Vec<ListFigures>,
}

/// One waitlist's figures.
#[derive(Debug, Serialize)]
pub struct ListFigures {
    pub name: String,
    pub title: String,
    pub total: u64,
    /// Every status, in life-cycle order, zeros included.
    pub by_status: Vec<StatusCount>,
    pub funnel: Vec<FunnelStep>,
    /// Form submissions per day, oldest first.
    pub per_day: Vec<DayFigure>,
    pub cohorts: Vec<CohortSeats>,
}

#[derive(Debug, Serialize)]
pub struct FunnelStep {
    /// The step's name in English (the API's word).
    pub label: &'static str,
    /// The catalogue key of the step's name, for the owner's pages.
    pub key: &'static str,
    pub value: i64,
    /// The share of the step before, as "12.5%" (none for the first step or after zero).
    pub rate: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayFigure {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub value: i64,
}

impl OwnerActions {
    /// The figures of every waitlist for the last [`DASHBOARD_DAYS`] days up to `now`.
    pub async fn dashboard(&self, now: Millis) -> Result<Dashboard, OwnerActionError> {
        self.allow(Capability::SeeFigures).await?;
        let days: Vec<String> = (0..DASHBOARD_DAYS)
            .rev()
            .map(|i| day_of(now - i * DAY))
            .collect();
        let stats = self
            .waitlists
            .store
            .daily_stats(days.first().cloned().unwrap_or_default())
            .await?;
        let published = self.waitlists.site.load();
        let mut lists = Vec::new();
        for (name, waitlist) in &published.site.waitlists {
            let counts = self.status_counts(name).await?;
            let count_of = |status: Status| {
                counts
                    .iter()
                    .find(|c| c.status == status)
                    .map_or(0, |c| c.count)
            };
            // Views of the pages whose form feeds this list.
            let pages: Vec<String> = published
                .site
                .pages
                .iter()
                .filter(|p| {
                    p.front
                        .waitlist
                        .as_ref()
                        .is_some_and(|w| w.as_str() == name)
                })
                .map(|p| format!("page:{}", p.url))
                .collect();
            let figures = Figures { stats: &stats };
            let this_list = |scope: &str| scope == name.as_str();
            let steps = [
                (
                    "Views of its pages",
                    msg("admin-funnel-views"),
                    figures.sum(&|s: &str| pages.iter().any(|p| p == s), "views"),
                ),
                (
                    "Form submissions",
                    msg("admin-funnel-submissions"),
                    figures.sum(&this_list, "submissions"),
                ),
                (
                    "Confirmations",
                    msg("admin-funnel-confirmations"),
                    figures.sum(&this_list, "confirmations"),
                ),
                (
                    "Invitations",
                    msg("admin-funnel-invitations"),
                    figures.sum(&this_list, "invites"),
                ),
                (
                    "Acceptances",
                    msg("admin-funnel-acceptances"),
                    figures.sum(&this_list, "acceptances"),
                ),
            ];
            lists.push(ListFigures {
                name: name.clone(),
                title: waitlist.settings.title.clone(),
                total: counts.iter().map(|c| c.count).sum(),
                by_status: Status::ALL
                    .iter()
                    .map(|&status| StatusCount {
                        status,
                        count: count_of(status),
                    })
                    .collect(),
                funnel: funnel(&steps),
                per_day: days
                    .iter()
                    .map(|day| DayFigure {
                        day: day.clone(),
                        value: figures.on_day(day, name, "submissions"),
                    })
                    .collect(),
                cohorts: self.cohorts(name).await?,
            });
        }
        Ok(Dashboard {
            days: DASHBOARD_DAYS,
            lists,
        })
    }
}

/// The day (UTC) a moment falls on, as the daily figures name it.
fn day_of(at: Millis) -> String {
    timestamp(at).get(..10).unwrap_or("").to_owned()
}

struct Figures<'a> {
    stats: &'a [DailyStat],
}

impl Figures<'_> {
    fn sum(&self, scope_ok: &dyn Fn(&str) -> bool, metric: &str) -> i64 {
        self.stats
            .iter()
            .filter(|s| s.metric == metric && scope_ok(&s.scope))
            .map(|s| s.value)
            .sum()
    }

    fn on_day(&self, day: &str, scope: &str, metric: &str) -> i64 {
        self.stats
            .iter()
            .filter(|s| s.day == day && s.scope == scope && s.metric == metric)
            .map(|s| s.value)
            .sum()
    }
}

fn funnel(steps: &[(&'static str, &'static str, i64)]) -> Vec<FunnelStep> {
    steps
        .iter()
        .enumerate()
        .map(|(i, &(label, key, value))| {
            let rate = i
                .checked_sub(1)
                .map(|previous| steps[previous].2)
                .filter(|previous| *previous > 0)
                .map(|previous| format!("{:.1}%", 100.0 * value as f64 / previous as f64));
            FunnelStep {
                label,
                key,
                value,
                rate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_funnel_step_is_a_share_of_the_one_before() {
        let steps = funnel(&[
            ("a", "a", 200),
            ("b", "b", 50),
            ("c", "c", 0),
            ("d", "d", 3),
        ]);
        let rates: Vec<_> = steps.iter().map(|s| s.rate.as_deref()).collect();
        assert_eq!(rates, [None, Some("25.0%"), Some("0.0%"), None]);
    }
}
