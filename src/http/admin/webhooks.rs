//! `/admin/webhooks`: add (the secret shown once), list (which include addresses), remove,
//! and per webhook a delivery log with Replay. Each handler parses, calls one owner use
//! case (which audits itself) and renders.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use super::{Button, CsrfForm, Owner, UrlEncoded, page};
use crate::admin::webhooks::WebhookRequest;
use crate::domain::{WebhookEvent, WebhookUrl};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::errors;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/webhooks", get(list).post(add))
        .route("/admin/webhooks/{id}", get(deliveries))
        .route("/admin/webhooks/{id}/remove", post(remove))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/replay",
            post(replay),
        )
}

#[derive(Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

/// The add form: a URL, one checkbox per event (`event_<n>`, n as in
/// [`WebhookEvent::ALL`]), and the two options.
#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    event_0: Option<String>,
    #[serde(default)]
    event_1: Option<String>,
    #[serde(default)]
    event_2: Option<String>,
    #[serde(default)]
    event_3: Option<String>,
    #[serde(default)]
    event_4: Option<String>,
    #[serde(default)]
    include_email: Option<String>,
    #[serde(default)]
    insecure: Option<String>,
}

impl UrlEncoded for AddForm {}

impl AddForm {
    fn events(&self) -> Vec<WebhookEvent> {
        [
            &self.event_0,
            &self.event_1,
            &self.event_2,
            &self.event_3,
            &self.event_4,
        ]
        .iter()
        .zip(WebhookEvent::ALL)
        .filter(|(checked, _)| checked.is_some())
        .map(|(_, event)| event)
        .collect()
    }
}

fn event_names() -> Vec<&'static str> {
    WebhookEvent::ALL.iter().map(|e| e.as_str()).collect()
}

pub async fn list(
    State(state): State<AppState>,
    owner: Owner,
    query: Result<Query<Notice>, QueryRejection>,
) -> Result<Response, AppError> {
    let notice = query.map(|Query(q)| q.notice).unwrap_or_default();
    render_list(&state, &owner, StatusCode::OK, json!({ "notice": notice })).await
}

async fn render_list(
    state: &AppState,
    owner: &Owner,
    status: StatusCode,
    mut extra: serde_json::Value,
) -> Result<Response, AppError> {
    let webhooks = owner.actions(state).webhooks().await?;
    if let Some(map) = extra.as_object_mut() {
        map.insert("webhooks".into(), json!(webhooks));
        map.insert("events".into(), json!(event_names()));
    }
    let mut response = page(state, "admin/webhooks.html", Some(owner), extra)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn add(
    State(state): State<AppState>,
    CsrfForm { owner, form }: CsrfForm<AddForm>,
) -> Result<Response, AppError> {
    let events = form.events();
    let parsed = WebhookUrl::parse(&form.url, form.insecure.is_some()).map_err(|e| ("url", e));
    let parsed = parsed.and_then(|url| {
        if events.is_empty() {
            Err(("events", crate::domain::WebhookError::NoEvents))
        } else {
            Ok(url)
        }
    });
    let url = match parsed {
        Ok(url) => url,
        Err((field, error)) => {
            return render_list(
                &state,
                &owner,
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error_field": field,
                    "error": errors::webhook(&error).render(state.site.load().site.language()),
                    "form_url": form.url,
                    "include_email": form.include_email.is_some(),
                }),
            )
            .await;
        }
    };
    let request = WebhookRequest {
        url,
        events,
        include_email: form.include_email.is_some(),
    };
    let added = owner
        .actions(&state)
        .add_webhook(&owner.actor(), request)
        .await?;
    // Shown on this answer only (never stored in clear, never cached: see `page`).
    render_list(
        &state,
        &owner,
        StatusCode::OK,
        json!({
            "added_id": added.id,
            "added_secret": added.secret.expose_secret(),
        }),
    )
    .await
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { owner, .. }: CsrfForm<Button>,
) -> Result<Response, AppError> {
    owner
        .actions(&state)
        .remove_webhook(&owner.actor(), id)
        .await?;
    Ok(Redirect::to("/admin/webhooks?notice=removed").into_response())
}

pub async fn deliveries(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    query: Result<Query<Notice>, QueryRejection>,
) -> Result<Response, AppError> {
    let notice = query.map(|Query(q)| q.notice).unwrap_or_default();
    let actions = owner.actions(&state);
    let webhook = actions.webhook(id).await?;
    let deliveries: Vec<_> = actions
        .webhook_deliveries(id)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "id": d.id,
                "event": d.event,
                "subscriber_id": d.subscriber_id,
                "state": d.state,
                "attempts": d.attempts,
                "created": crate::admin::announce::timestamp(d.created_at),
                "last_attempt": d.last_attempt_at.map(crate::admin::announce::timestamp),
                "status": d.last_status,
                "error": d.last_error,
            })
        })
        .collect();
    page(
        &state,
        "admin/webhook.html",
        Some(&owner),
        json!({ "webhook": webhook, "deliveries": deliveries, "notice": notice }),
    )
}

pub async fn replay(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(i64, i64)>,
    CsrfForm { owner, .. }: CsrfForm<Button>,
) -> Result<Response, AppError> {
    owner
        .actions(&state)
        .replay_webhook_delivery(&owner.actor(), id, delivery)
        .await?;
    Ok(Redirect::to(&format!("/admin/webhooks/{id}?notice=replayed")).into_response())
}
