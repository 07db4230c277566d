//! Lists: their figures, inviting the next people in line, announcements, the export.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::auth::Caller;
use super::error::ApiError;
use super::input::JsonObject;
use super::types::{
    AnnouncementInput, AnnouncementStarted, InviteInput, InviteRoundResult, ListInfo, ListsPage,
};
use crate::admin::api_keys::ApiScope;
use crate::admin::{AnnouncementAudience, InviteRound};
use crate::http::AppState;
use crate::publish::announcement::{Announcement, AnnouncementFields};

/// Every waitlist of the site with how many people it has in each status.
#[utoipa::path(
    get,
    path = "/api/v1/lists",
    tag = "lists",
    responses((status = 200, description = "The lists", body = ListsPage)),
    security(("api_key" = ["lists:read"]))
)]
pub async fn lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListsPage>, ApiError> {
    caller.require(ApiScope::ListsRead)?;
    let lists = state.owner_actions.lists_with_counts().await?;
    Ok(Json(ListsPage {
        lists: lists.into_iter().map(ListInfo::from).collect(),
    }))
}

/// Invites the next confirmed people in line into a cohort (audited).
#[utoipa::path(
    post,
    path = "/api/v1/lists/{list}/invitations",
    tag = "lists",
    params(("list" = String, Path, description = "The list's name", example = "pilot-course")),
    request_body = InviteInput,
    responses((status = 200, description = "The round's figures", body = InviteRoundResult)),
    security(("api_key" = ["invites:write"]))
)]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
    body: Bytes,
) -> Result<Json<InviteRoundResult>, ApiError> {
    caller.require(ApiScope::InvitesWrite)?;
    let input = JsonObject::parse(&body)?;
    let round = InviteRound {
        count: input.u32_in("count", 1, 10_000)?,
        cohort: input.opt_str("cohort")?,
        overbook: input.opt_bool("overbook")?.unwrap_or(false),
    };
    let invited = state
        .owner_actions
        .invite_next(&caller.actor(), &list, round)
        .await?;
    Ok(Json(InviteRoundResult {
        cohort: invited.cohort,
        invited: invited.report.invited,
        held_back: invited.report.held_back,
        undeliverable: invited.report.undeliverable,
    }))
}

/// Sends an announcement to a list, as `quietlist announce` does: at the sending rate,
/// each person once, ever (audited).
#[utoipa::path(
    post,
    path = "/api/v1/lists/{list}/announcements",
    tag = "lists",
    params(("list" = String, Path, description = "The list's name", example = "pilot-course")),
    request_body = AnnouncementInput,
    responses((status = 202, description = "The run, started or as it was", body = AnnouncementStarted)),
    security(("api_key" = ["announcements:write"]))
)]
pub async fn announce(
    State(state): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(ApiScope::AnnouncementsWrite)?;
    let input = JsonObject::parse(&body)?;
    let subject = input.str("subject")?;
    let text = input.str("body")?;
    let id = input.opt_str("id")?.unwrap_or_default();
    let fallback = input.opt_str("name_fallback")?.unwrap_or_default();
    let publish = input.opt_bool("publish")?.unwrap_or(false);
    let announcement = Announcement::from_fields(&AnnouncementFields {
        subject: &subject,
        id: &id,
        body: &text,
        name_fallback: &fallback,
        publish,
    })
    .map_err(|problems| {
        let first = problems.into_iter().next();
        match first.as_ref().and_then(|p| p.on_field()) {
            Some((field, words)) => ApiError::invalid(
                match field {
                    crate::publish::announcement::AnnouncementField::Subject => "subject",
                    crate::publish::announcement::AnnouncementField::Id => "id",
                    crate::publish::announcement::AnnouncementField::Body => "body",
                    crate::publish::announcement::AnnouncementField::NameFallback => {
                        "name_fallback"
                    }
                },
                words,
            ),
            None => ApiError::invalid(
                "body",
                first.map_or_else(|| "not an announcement".to_owned(), |p| p.to_string()),
            ),
        }
    })?;
    let mut audience = match input.opt_str("audience")? {
        Some(words) => {
            AnnouncementAudience::parse(&words).map_err(|e| ApiError::invalid("audience", e))?
        }
        None => AnnouncementAudience::default(),
    };
    if let Some(cohort) = input.opt_str("cohort")? {
        audience = audience.in_cohort(&cohort);
    }
    let send_at = input
        .opt_str("send_at")?
        .map(|at| {
            OffsetDateTime::parse(at.trim(), &Rfc3339)
                .ok()
                .and_then(|at| i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "send_at",
                        "not an RFC 3339 time such as 2026-06-01T09:00:00Z",
                    )
                })
        })
        .transpose()?;
    let start = state
        .owner_actions
        .announce(&caller.actor(), &list, &announcement, &audience, send_at)
        .await?;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(AnnouncementStarted {
            announcement: start.run.key.clone(),
            state: start.run.state.as_str().to_owned(),
            people: start.run.total,
            started: start.started,
        }),
    )
        .into_response())
}

/// The list as CSV, the same as `quietlist export` (audited with the rows sent).
#[utoipa::path(
    get,
    path = "/api/v1/lists/{list}/export",
    tag = "lists",
    params(("list" = String, Path, description = "The list's name", example = "pilot-course")),
    responses((status = 200, description = "The list as CSV", content_type = "text/csv", body = String)),
    security(("api_key" = ["export"]))
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(ApiScope::Export)?;
    let stream = state
        .owner_actions
        .stream_csv(&caller.actor(), &list)
        .await?;
    let body = futures_util::stream::unfold(stream.chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
