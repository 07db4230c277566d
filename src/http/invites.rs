//! `/accept/{token}` and `/decline/{token}`: the GET shows one button, the POST answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::confirm::private_page;
use super::error::AppError;
use crate::domain::TokenPurpose;
use crate::i18n::Text;
use crate::waitlist::{InvitePage, InviteResponse};

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
        InvitePage::Open { list, cohort, starts } => {
            let title = published.site.waitlist(&list).map(|w| w.settings.title.clone()).unwrap_or_default();
            let when = starts.map(|s| format!(", starting {s}")).unwrap_or_default();
            let (heading, line, button, path) = match purpose {
                TokenPurpose::Accept => (
                    "Take your seat",
                    format!("Press the button to take your seat in {title} (cohort {cohort}{when})."),
                    "Take my seat",
                    "accept",
                ),
                _ => (
                    "Decline the invitation",
                    format!("Press the button if you cannot take part in {title} (cohort {cohort}{when}); the seat goes to the next person."),
                    "Decline",
                    "decline",
                ),
            };
            published.render(
                "link_action.html",
                json!({ "heading": heading, "lines": [line], "button": button, "action": format!("/{path}/{token}") }),
            )?
        }
        InvitePage::Answered { state, .. } => published.render(
            "invitation.html",
            json!({ "heading": "You have answered this invitation", "lines": [format!("Its state: {state}.")] }),
        )?,
        InvitePage::Invalid => return Err(not_valid()),
    };
    Ok(private_page(html))
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
    let (heading, lines): (&str, Vec<String>) = match state.waitlists.answer_invitation(token, accept).await? {
        InviteResponse::Accepted { cohort, .. } => (
            "Your seat is yours",
            vec![format!("You have a seat in cohort {cohort}. We will write with the details before it starts.")],
        ),
        InviteResponse::Declined { .. } => (
            "Thank you for letting us know",
            vec!["The seat goes to the next person in line.".into()],
        ),
        InviteResponse::Full { .. } => (
            "The last seat was just taken",
            vec!["Someone answered a moment before you. You keep your place in line, and we will write when the next seat opens.".into()],
        ),
        InviteResponse::AlreadyAnswered { state, .. } => (
            "You have answered this invitation",
            vec![format!("Its state: {state}.")],
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
    let html = state.site.load().render(
        "invitation.html",
        json!({ "heading": heading, "lines": lines }),
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
