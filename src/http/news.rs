//! `/news/{id}`, `/feed.xml` and `/sitemap.xml`: announcements the owner published, read
//! from the database on each request (through the waitlist use cases).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::AppError;
use super::pages::serve_error;
use crate::waitlist::NewsAnswer;

/// An announcement can be taken down: caches keep it a minute at most.
const NEWS_CACHE: &str = "public, max-age=60";

fn fresh(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(NEWS_CACHE)),
        ],
        body,
    )
        .into_response()
}

pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    match state.waitlists.news_page(&id).await? {
        NewsAnswer::Page(html) => Ok(fresh("text/html; charset=utf-8", html)),
        NewsAnswer::Withdrawn => Ok(serve_error(
            state.site.load().withdrawn_page(),
            StatusCode::GONE,
            &headers,
        )),
        NewsAnswer::Missing => Err(AppError::NotFound),
    }
}

pub async fn feed(State(state): State<AppState>) -> Result<Response, AppError> {
    let xml = state.waitlists.feed_xml().await?;
    Ok(fresh("application/atom+xml; charset=utf-8", xml))
}

pub async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let xml = state.waitlists.sitemap_xml().await?;
    Ok(fresh("application/xml; charset=utf-8", xml))
}
