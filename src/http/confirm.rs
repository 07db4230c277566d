//! `/confirm/{token}`: the GET shows one button (mail scanners follow links, so a GET
//! never changes anything); the POST confirms.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::error::AppError;
use crate::i18n::{Text, tr};
use crate::waitlist::{ConfirmPage, ConfirmResult};

pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let page = state.waitlists.confirm_page(&token).await?;
    let published = state.site.load();
    let html = match page {
        ConfirmPage::Ready { list, language } => {
            let language = published.site.language_or_default(language.as_deref());
            let waitlist = published.site.waitlist(&list);
            let title = waitlist.map(|w| w.settings.title.as_str()).unwrap_or("…");
            published.render(
                "link_action.html",
                json!({
                    "lang": language.tag(),
                    "heading": tr(language, "confirm-heading", &[]),
                    "lines": [tr(language, "confirm-press-the-button", &[("list", title.into())])],
                    "button": tr(language, "confirm-my-place", &[]),
                    "action": format!("/confirm/{token}"),
                }),
            )?
        }
        ConfirmPage::AlreadyConfirmed {
            list,
            place,
            language,
        } => confirmed_page(&state, &list, place, true, None, language.as_deref())?,
        ConfirmPage::Expired { .. } => return Err(expired()),
        ConfirmPage::Unknown => return Err(unknown_link()),
    };
    Ok(private_page(html))
}

pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state.waitlists.confirm(&token).await? {
        ConfirmResult::Confirmed {
            list,
            place,
            already,
            manage_path,
            language,
        } => Ok(private_page(confirmed_page(
            &state,
            &list,
            place,
            already,
            manage_path.as_deref(),
            language.as_deref(),
        )?)),
        ConfirmResult::Expired { .. } => Err(expired()),
        ConfirmResult::Unknown => Err(unknown_link()),
    }
}

fn confirmed_page(
    state: &AppState,
    list: &str,
    place: Option<u64>,
    already: bool,
    manage_path: Option<&str>,
    language: Option<&str>,
) -> anyhow::Result<String> {
    let published = state.site.load();
    let language = published.site.language_or_default(language);
    published.render(
        "confirmed.html",
        json!({
            "lang": language.tag(),
            "waitlist": published.site.waitlist(list),
            "place": place,
            "already": already,
            "manage_path": manage_path,
        }),
    )
}

/// Pages behind a mailed link: never cached, and the token never leaks in a Referer.
pub fn private_page(html: String) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

fn expired() -> AppError {
    AppError::Page {
        status: StatusCode::GONE,
        heading: Text::key("error-link-expired-heading"),
        lines: vec![Text::with(
            "error-confirm-link-expired-text",
            vec![("hours", crate::publish::CONFIRM_HOURS.into())],
        )],
    }
}

fn unknown_link() -> AppError {
    AppError::Page {
        status: StatusCode::NOT_FOUND,
        heading: Text::key("error-link-invalid-heading"),
        lines: vec![Text::key("error-confirm-link-invalid-text")],
    }
}
