//! Prerendered pages and static files: a map look-up, content negotiation, ETags, 304s.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::AppError;
use crate::publish::Compressed;

/// Pages change only when the site does; caches revalidate cheaply with the ETag.
const PAGE_CACHE: &str = "public, max-age=300";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const STATIC_CACHE: &str = "public, max-age=3600";

pub fn serve(body: &Compressed, request: &HeaderMap, cache_control: &'static str) -> Response {
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (variant, encoding) = body.pick(accept);
    let mut headers = HeaderMap::new();
    if let Ok(etag) = HeaderValue::from_str(&variant.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| body.matches(tags));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(body.content_type),
    );
    if let Some(coding) = encoding.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    (headers, variant.body.clone()).into_response()
}

fn page(state: &AppState, path: &str, request: &HeaderMap) -> Result<Response, AppError> {
    let published = state.site.load();
    let body = published.page(path).ok_or(AppError::NotFound)?;
    Ok(serve(body, request, PAGE_CACHE))
}

pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    page(&state, "/", &headers)
}

pub async fn report(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &format!("/reports/{slug}"), &headers)
}

pub async fn course(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &format!("/courses/{slug}"), &headers)
}

pub async fn signup_form(
    State(state): State<AppState>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &format!("/waitlists/{list}"), &headers)
}

pub async fn check_inbox(
    State(state): State<AppState>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(
        &state,
        &format!("/waitlists/{list}/check-your-inbox"),
        &headers,
    )
}

pub async fn static_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let published = state.site.load();
    let asset = published
        .asset(&format!("/static/{file}"))
        .ok_or(AppError::NotFound)?;
    let cache = if asset.immutable {
        IMMUTABLE
    } else {
        STATIC_CACHE
    };
    Ok(serve(&asset.body, &headers, cache))
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub async fn health() -> &'static str {
    "ok"
}
