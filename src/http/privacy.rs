//! The person's side of the promise: one-click unsubscribe (RFC 8058), their data behind
//! a manage link (see, download, unsubscribe, erase), a new link by mail, and `/privacy`.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::confirm::private_page;
use super::error::AppError;
use crate::i18n::{Text, msg, tr};
use crate::privacy::self_service::{AccessError, LinkSubject, ManageLink};

/// GET of the unsubscribe link: changes nothing, shows one button, in the language the
/// person signed up in.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(person) = state.waitlists.unsubscribe_page(&token).await? else {
        return Err(not_valid());
    };
    let published = state.site.load();
    let language = published
        .site
        .language_or_default(person.language.as_deref());
    let title = published
        .site
        .waitlist(&person.list)
        .map(|w| w.settings.title.clone())
        .unwrap_or_default();
    let html = published.render(
        "link_action.html",
        json!({
            "lang": language.tag(),
            "heading": tr(language, "unsubscribe", &[]),
            "lines": [tr(language, "unsubscribe-press-the-button", &[("list", title.into())])],
            "button": tr(language, "unsubscribe", &[]),
            "action": format!("/unsubscribe/{token}"),
        }),
    )?;
    Ok(private_page(html))
}

/// The one-click POST (RFC 8058): no cookie, no login, answers 200 with no redirect,
/// takes effect in the same transaction, and is idempotent. Whatever the body says.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some((person, already)) = state.waitlists.unsubscribe(&token).await? else {
        return Err(not_valid());
    };
    let published = state.site.load();
    let language = published
        .site
        .language_or_default(person.language.as_deref());
    let html = published.render(
        "unsubscribed.html",
        json!({
            "lang": language.tag(),
            "waitlist": published.site.waitlist(&person.list),
            "already": already,
        }),
    )?;
    Ok(private_page(html))
}

async fn subject(state: &AppState, token: &str) -> Result<LinkSubject, AppError> {
    match state.waitlists.manage_subject(token).await? {
        ManageLink::Valid(person) => Ok(person),
        ManageLink::Expired => Err(AppError::Page {
            status: StatusCode::GONE,
            heading: Text::key("error-link-expired-heading"),
            lines: vec![Text::key("error-manage-link-expired-text")],
        }),
        ManageLink::Invalid => Err(not_valid()),
    }
}

pub async fn manage_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let person = subject(&state, &token).await?;
    render_manage(&state, &person, &token, false).await
}

async fn render_manage(
    state: &AppState,
    subject: &LinkSubject,
    token: &str,
    erase_unconfirmed: bool,
) -> Result<Response, AppError> {
    let person = state
        .waitlists
        .person_view(subject.subscriber_id)
        .await?
        .ok_or_else(not_valid)?;
    let published = state.site.load();
    let language = published
        .site
        .language_or_default(subject.language.as_deref());
    let html = published.render(
        "manage.html",
        json!({
            "lang": language.tag(),
            "waitlist": published.site.waitlist(&person.list),
            "person": person,
            "action": format!("/manage/{token}"),
            "erase_error": erase_unconfirmed.then(|| tr(language, "manage-erase-tick-the-box", &[])),
        }),
    )?;
    let mut response = private_page(html);
    if erase_unconfirmed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn manage_download(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let person = subject(&state, &token).await?;
    let document = state
        .waitlists
        .download(person.subscriber_id)
        .await?
        .ok_or_else(not_valid)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"my-data.json\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        document,
    )
        .into_response())
}

pub async fn manage_unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let person = subject(&state, &token).await?;
    let Some((list, already)) = state
        .waitlists
        .unsubscribe_subject(person.subscriber_id)
        .await?
    else {
        return Err(not_valid());
    };
    let published = state.site.load();
    let language = published
        .site
        .language_or_default(person.language.as_deref());
    let html = published.render(
        "unsubscribed.html",
        json!({
            "lang": language.tag(),
            "waitlist": published.site.waitlist(&list),
            "already": already,
            "manage_url": format!("/manage/{token}"),
        }),
    )?;
    Ok(private_page(html))
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm: String,
}

pub async fn manage_erase(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Result<Response, AppError> {
    let person = subject(&state, &token).await?;
    let confirmed = form.is_ok_and(|Form(f)| f.confirm == "yes");
    if !confirmed {
        return render_manage(&state, &person, &token, true).await;
    }
    state.waitlists.erase_self(person.subscriber_id).await?;
    let published = state.site.load();
    let language = published
        .site
        .language_or_default(person.language.as_deref());
    let html = published.render(
        "message.html",
        json!({
            "lang": language.tag(),
            "heading": tr(language, "erased-heading", &[]),
            "lines": [
                tr(language, "erased-what-went", &[]),
                tr(language, "erased-what-stays", &[]),
            ],
        }),
    )?;
    Ok(private_page(html))
}

pub async fn access_form(State(state): State<AppState>) -> Result<Response, AppError> {
    let html = state.site.load().render("manage_request.html", json!({}))?;
    Ok(private_page(html))
}

#[derive(Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    email: String,
}

pub async fn access_request(
    State(state): State<AppState>,
    form: Result<Form<AccessForm>, FormRejection>,
) -> Result<Response, AppError> {
    let started = tokio::time::Instant::now();
    let email = form.map(|Form(f)| f.email).unwrap_or_default();
    let result = state.waitlists.request_access(&email).await;
    if result.is_ok() {
        // Someone on the list costs more work than a stranger; the answer leaves at the
        // same time for both.
        tokio::time::sleep_until(started + state.answer_floor).await;
    }
    match result {
        Ok(()) => {
            let html = state
                .site
                .load()
                .render("manage_request.html", json!({ "sent": true }))?;
            Ok(private_page(html))
        }
        Err(AccessError::Email(e)) => {
            let html = state.site.load().render(
                "manage_request.html",
                json!({ "error": e.to_string(), "value": email }),
            )?;
            let mut response = private_page(html);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(AccessError::Store(e)) => Err(e.into()),
    }
}

fn not_valid() -> AppError {
    AppError::Page {
        status: StatusCode::NOT_FOUND,
        heading: Text::key("error-link-invalid-heading"),
        lines: vec![Text::key("error-manage-link-invalid-text")],
    }
}

/// What the privacy page states, from the running configuration.
#[derive(Debug, Clone)]
pub struct PromiseFacts {
    pub confirmation_hours: i64,
    pub mail_cap: u32,
    /// The catalogue key of what is kept of a client's address.
    pub ip_note: &'static str,
    pub pending_days: i64,
    pub mail_days: i64,
    pub consent_days: i64,
}

/// Each counter and the catalogue key of its label.
const COUNTS: [(&str, &str); 8] = [
    ("mails.confirmation", msg("privacy-count-confirmation")),
    ("mails.welcome", msg("privacy-count-welcome")),
    ("mails.invite", msg("privacy-count-invite")),
    ("mails.access", msg("privacy-count-access")),
    ("exports", msg("privacy-count-exports")),
    ("unsubscribes", msg("privacy-count-unsubscribes")),
    ("erasures", msg("privacy-count-erasures")),
    ("imports", msg("privacy-count-imports")),
];

pub async fn privacy_page(State(state): State<AppState>) -> Result<Response, AppError> {
    let counters = state.waitlists.promise_counters().await?;
    let value = |key: &str| {
        counters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .unwrap_or(0)
    };
    let counts: Vec<_> = COUNTS
        .iter()
        .map(|(key, label)| json!({ "key": key.replace('.', "-"), "label": label, "value": value(key) }))
        .collect();
    let f = &state.promise;
    let html = state.site.load().render(
        "privacy.html",
        json!({
            "confirmation_hours": f.confirmation_hours,
            "mail_cap": f.mail_cap,
            "ip_note": f.ip_note,
            "pending_days": f.pending_days,
            "mail_days": f.mail_days,
            "consent_days": f.consent_days,
            "counts": counts,
            "updated": crate::waitlist::export::timestamp(crate::store::now_millis()),
        }),
    )?;
    Ok((
        [(header::CACHE_CONTROL, "no-cache")],
        axum::response::Html(html),
    )
        .into_response())
}
