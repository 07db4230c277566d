//! `/admin`: per waitlist, people by status, signups per day, and the funnel from page
//! views to acceptances (figured by the dashboard use case; drawn here).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{Owner, chart, page};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::tr;
use crate::store::now_millis;

pub async fn show(State(state): State<AppState>, owner: Owner) -> Result<Response, AppError> {
    let dashboard = owner.actions(&state).dashboard(now_millis()).await?;
    let language = state.site.load().site.language();
    let lists: Vec<_> = dashboard
        .lists
        .iter()
        .map(|list| {
            let per_day: Vec<(String, i64)> = list
                .per_day
                .iter()
                .map(|d| (d.day.clone(), d.value))
                .collect();
            let mut figures = json!(list);
            figures["chart"] = json!(chart::bars(
                &tr(
                    language,
                    "admin-chart-title",
                    &[("days", dashboard.days.into())]
                ),
                &per_day
            ));
            figures
        })
        .collect();
    page(
        &state,
        "admin/dashboard.html",
        Some(&owner),
        json!({ "lists": lists, "days": dashboard.days }),
    )
}
