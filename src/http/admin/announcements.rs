//! `/admin/lists/{list}/announcements`: every announcement on a list with what the mail
//! server did with its mails, and the buttons to pause, resume or cancel a run.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{CsrfForm, Owner, UrlEncoded, page};
use crate::admin::announce::timestamp;
use crate::admin::announcement_runs::describe_progress;
use crate::admin::{AnnouncementAudience, RunAction, RunProgress, RunState};
use crate::domain::Capability;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::{Language, Text, msg, tr};
use crate::store::now_millis;

#[derive(Deserialize, Default)]
pub struct Done {
    /// The action just taken (`pause`, `resume`, `cancel`), for the notice.
    #[serde(default)]
    done: Option<String>,
    /// `publish` or `unpublish`, just done.
    #[serde(default)]
    site: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    let runs = owner.actions(&state).announcements(&list).await?;
    let language = published.site.language();
    let notice = match done.done.as_deref() {
        Some("pause") => Some(msg("admin-runs-paused")),
        Some("resume") => Some(msg("admin-runs-resumed")),
        Some("cancel") => Some(msg("admin-runs-cancelled")),
        _ => None,
    }
    .map(|key| tr(language, key, &[]));
    page(
        &state,
        "admin/announcements.html",
        Some(&owner),
        json!({
            "list": list,
            "waitlist": waitlist,
            "runs": runs.iter().map(|r| row(r, language)).collect::<Vec<_>>(),
            "rate": owner.actions(&state).send_rate().to_string(),
            "notice": notice,
            "site_notice": match done.site.as_deref() {
                Some(action @ ("publish" | "unpublish")) => Some(action),
                _ => None,
            },
        }),
    )
}

/// One row of the table: the run, its mails, and the actions its state allows.
fn row(progress: &RunProgress, language: Language) -> serde_json::Value {
    let (run, mails) = (&progress.run, &progress.mails);
    let actions: Vec<&str> = [RunAction::Pause, RunAction::Resume, RunAction::Cancel]
        .into_iter()
        .filter(|a| a.next_state(run.state, run.send_at, i64::MAX).is_some())
        .map(RunAction::as_str)
        .collect();
    json!({
        "key": run.key,
        "subject": run.subject,
        "state": run.state.as_str(),
        "audience": AnnouncementAudience::from(&run.audience).describe_in(language),
        "sent_by": run.sent_by,
        "scheduled_for": (run.state == RunState::Scheduled).then(|| timestamp(run.send_at)),
        "sent": mails.sent,
        "waiting": mails.waiting,
        "in_flight": mails.in_flight,
        "deferred": mails.deferred,
        "refused": mails.refused,
        "cancelled": mails.cancelled,
        "skipped": mails.skipped_at_hand_off,
        "examined": run.examined,
        "total": run.total,
        "figures": describe_progress(progress).render(language),
        "refusals": progress
            .refusals
            .iter()
            .map(|r| json!({ "reason": r.reason, "mails": r.mails }))
            .collect::<Vec<_>>(),
        "actions": actions,
        "publication": {
            "public": run.publication.is_public(now_millis()),
            "withdrawn": run.publication.is_withdrawn(),
            "publish": run.publication.publish,
            "path": format!("/news/{}", run.id),
        },
    })
}

#[derive(Deserialize)]
pub struct SteerForm {
    key: String,
    action: String,
}

impl UrlEncoded for SteerForm {}

pub async fn steer(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<SteerForm>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Announce).await?;
    let action = match form.action.as_str() {
        "pause" => RunAction::Pause,
        "resume" => RunAction::Resume,
        "cancel" => RunAction::Cancel,
        other => {
            return Err(AppError::Page {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: Text::key("check-the-form"),
                lines: vec![Text::with(
                    "admin-runs-bad-action",
                    vec![("action", format!("{other:?}").into())],
                )],
            });
        }
    };
    owner
        .actions(&state)
        .change_announcement(&owner.actor(), &list, &form.key, action)
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/lists/{list}/announcements?done={}",
        action.as_str()
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct PublishForm {
    key: String,
    /// `publish` or `unpublish`.
    action: String,
}

impl UrlEncoded for PublishForm {}

/// Puts an announcement on the site or takes it down (audited).
pub async fn publish(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<PublishForm>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Announce).await?;
    let publish = match form.action.as_str() {
        "publish" => true,
        "unpublish" => false,
        other => {
            return Err(AppError::Page {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: Text::plain("Please check the form"),
                lines: vec![Text::Plain(format!(
                    "action: {other:?} is not one of publish, unpublish"
                ))],
            });
        }
    };
    owner
        .actions(&state)
        .publish_announcement(&owner.actor(), &list, &form.key, publish)
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/lists/{list}/announcements?site={}",
        form.action
    ))
    .into_response())
}
