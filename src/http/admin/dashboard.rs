//! `/admin`: per waitlist, people by status, signups per day, and the funnel from page
//! views to acceptances.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{Owner, chart, page};
use crate::domain::Status;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::{DAY, now_millis};

/// Days the dashboard shows.
const DAYS: i64 = 30;

pub async fn show(State(state): State<AppState>, owner: Owner) -> Result<Response, AppError> {
    let now = now_millis();
    let day = |at: i64| {
        crate::waitlist::export::timestamp(at)
            .get(..10)
            .unwrap_or("")
            .to_owned()
    };
    let days: Vec<String> = (0..DAYS).rev().map(|i| day(now - i * DAY)).collect();
    let stats = state
        .waitlists
        .store
        .daily_stats(days.first().cloned().unwrap_or_default())
        .await?;
    let published = state.site.load();
    let mut lists = Vec::new();
    for (name, waitlist) in &published.site.waitlists {
        let counts: HashMap<String, u64> = state
            .waitlists
            .store
            .count_by_status(name)
            .await?
            .into_iter()
            .collect();
        let by_status: Vec<_> = Status::ALL
            .iter()
            .map(|s| json!({ "status": s.as_str(), "count": counts.get(s.as_str()).copied().unwrap_or(0) }))
            .collect();
        let total: u64 = counts.values().sum();
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
        let sum = |scope_ok: &dyn Fn(&str) -> bool, metric: &str| -> i64 {
            stats
                .iter()
                .filter(|s| s.metric == metric && scope_ok(&s.scope))
                .map(|s| s.value)
                .sum()
        };
        let this_list = |scope: &str| scope == name.as_str();
        let funnel_steps = [
            (
                "Views of its pages",
                sum(&|s: &str| pages.iter().any(|p| p == s), "views"),
            ),
            ("Form submissions", sum(&this_list, "submissions")),
            ("Confirmations", sum(&this_list, "confirmations")),
            ("Invitations", sum(&this_list, "invites")),
            ("Acceptances", sum(&this_list, "acceptances")),
        ];
        let funnel: Vec<_> = funnel_steps
            .iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let rate = (i > 0)
                    .then(|| funnel_steps[i - 1].1)
                    .filter(|previous| *previous > 0)
                    .map(|previous| format!("{:.1}%", 100.0 * *value as f64 / previous as f64));
                json!({ "label": label, "value": value, "rate": rate })
            })
            .collect();
        let per_day: Vec<(String, i64)> = days
            .iter()
            .map(|d| {
                let v = stats
                    .iter()
                    .filter(|s| &s.day == d && s.scope == *name && s.metric == "submissions")
                    .map(|s| s.value)
                    .sum();
                (d.clone(), v)
            })
            .collect();
        let cohorts = state.waitlists.store.cohorts(name).await?;
        lists.push(json!({
            "name": name,
            "title": waitlist.settings.title,
            "total": total,
            "by_status": by_status,
            "funnel": funnel,
            "chart": chart::bars(&format!("Form submissions per day, last {DAYS} days"), &per_day),
            "per_day": per_day.iter().map(|(d, v)| json!({ "day": d, "value": v })).collect::<Vec<_>>(),
            "cohorts": cohorts.iter().map(|c| json!({ "name": c.name, "capacity": c.capacity, "accepted": c.accepted, "open": c.open, "free": c.free_seats(), "starts": c.starts })).collect::<Vec<_>>(),
        }));
    }
    page(
        &state,
        "admin/dashboard.html",
        Some(&owner),
        json!({ "lists": lists, "days": DAYS }),
    )
}
