//! `/accept/{token}` and `/decline/{token}`: the GET shows one button, the POST answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::confirm::private_page;
use super::error::AppError;
use crate::domain::TokenPurpose;
use crate::i18n::{Language, Text, tr};
use crate::waitlist::{InviteAnswer, InvitePage, InviteResponse};

pub async fn accept_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    page(&state, &token, TokenPurpose::Accept).await
}

pub async fn decline_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    page(&state, &token, TokenPurpose::Decline).await
}

async fn page(state: &AppState, token: &str, purpose: TokenPurpose) -> Result<Response, AppError> {
    let published = state.site.load();
    let html = match state.waitlists.invite_page(token, purpose).await? {
        InvitePage::Open {
            list,
            cohort,
            starts,
            language,
        } => {
            let language = published.site.language_or_default(language.as_deref());
            let title = published
                .site
                .waitlist(&list)
                .map(|w| w.settings.title.clone())
                .unwrap_or_default();
            let seat = seat_in(language, &title, &cohort, starts);
            let (heading, line, button, path) = match purpose {
                TokenPurpose::Accept => (
                    tr(language, "invite-accept-heading", &[]),
                    tr(language, "invite-accept-press", &[("seat", seat.into())]),
                    tr(language, "take-my-seat", &[]),
                    "accept",
                ),
                _ => (
                    tr(language, "invite-decline-heading", &[]),
                    tr(language, "invite-decline-press", &[("seat", seat.into())]),
                    tr(language, "invite-decline-button", &[]),
                    "decline",
                ),
            };
            published.render(
                "link_action.html",
                json!({
                    "lang": language.tag(),
                    "heading": heading,
                    "lines": [line],
                    "button": button,
                    "action": format!("/{path}/{token}"),
                }),
            )?
        }
        InvitePage::Answered {
            state, language, ..
        } => {
            let language = published.site.language_or_default(language.as_deref());
            published.render(
                "invitation.html",
                json!({
                    "lang": language.tag(),
                    "heading": tr(language, "invite-answered-heading", &[]),
                    "lines": [answered_state(language, &state)],
                }),
            )?
        }
        InvitePage::Invalid => return Err(not_valid()),
    };
    Ok(private_page(html))
}

/// "Business foundations (cohort spring, starting 2027-03-01)": the seat an invitation offers.
fn seat_in(language: Language, title: &str, cohort: &str, starts: Option<String>) -> String {
    match starts {
        Some(starts) => tr(
            language,
            "invite-seat-cohort-starts",
            &[
                ("list", title.into()),
                ("cohort", cohort.into()),
                ("starts", starts.into()),
            ],
        ),
        None => tr(
            language,
            "invite-seat-cohort",
            &[("list", title.into()), ("cohort", cohort.into())],
        ),
    }
}

/// "Its state: accepted." in the reader's words (the state is the store's word).
fn answered_state(language: Language, state: &str) -> String {
    tr(
        language,
        "invite-answered-state",
        &[("state", state.into())],
    )
}

pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    answer(&state, &token, true).await
}

pub async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    answer(&state, &token, false).await
}

async fn answer(state: &AppState, token: &str, accept: bool) -> Result<Response, AppError> {
    let InviteAnswer { response, language } =
        state.waitlists.answer_invitation(token, accept).await?;
    let published = state.site.load();
    let language = published.site.language_or_default(language.as_deref());
    let (heading, lines) = match response {
        InviteResponse::Accepted { cohort, .. } => (
            tr(language, "invite-accepted-heading", &[]),
            vec![tr(
                language,
                "invite-accepted-text",
                &[("cohort", cohort.into())],
            )],
        ),
        InviteResponse::Declined { .. } => (
            tr(language, "invite-declined-heading", &[]),
            vec![tr(language, "invite-declined-text", &[])],
        ),
        InviteResponse::Full { .. } => (
            tr(language, "invite-full-heading", &[]),
            vec![tr(language, "invite-full-text", &[])],
        ),
        InviteResponse::AlreadyAnswered { state, .. } => (
            tr(language, "invite-answered-heading", &[]),
            vec![answered_state(language, &state)],
        ),
        InviteResponse::Expired { .. } => {
            return Err(AppError::Page {
                status: StatusCode::GONE,
                heading: Text::key("error-invitation-expired-heading"),
                lines: vec![Text::key("error-invitation-expired-text")],
            });
        }
        InviteResponse::Unknown => return Err(not_valid()),
    };
    let html = published.render(
        "invitation.html",
        json!({ "lang": language.tag(), "heading": heading, "lines": lines }),
    )?;
    Ok(private_page(html))
}

fn not_valid() -> AppError {
    AppError::Page {
        status: StatusCode::NOT_FOUND,
        heading: Text::key("error-link-invalid-heading"),
        lines: vec![Text::key("error-confirm-link-invalid-text")],
    }
}
