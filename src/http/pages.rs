//! Prerendered pages and static files: a map look-up, content negotiation, ETags, 304s.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{AppError, render_now};
use super::headers::insert_security_headers;
use crate::publish::{Compressed, Published};

/// Pages change only when the site does; caches revalidate cheaply with the ETag.
const PAGE_CACHE: &str = "public, max-age=300";
const STAMPED_PAGE_CACHE: &str = "private, max-age=300";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const STATIC_CACHE: &str = "public, max-age=3600";

pub fn serve(body: &Compressed, request: &HeaderMap, cache_control: &'static str) -> Response {
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (variant, encoding) = body.pick(accept);
    let mut headers = match validated(body, request, &variant.etag, cache_control) {
        Ok(headers) => headers,
        Err(not_modified) => return *not_modified,
    };
    if let Some(coding) = encoding.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    (headers, variant.body.clone()).into_response()
}

/// The caching headers of a prerendered body sent with `etag`, and its content type:
/// `Err` is the 304 when the client's copy is current (any of the body's ETags, or
/// this one).
fn validated(
    body: &Compressed,
    request: &HeaderMap,
    etag: &str,
    cache_control: &'static str,
) -> Result<HeaderMap, Box<Response>> {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| body.matches(tags) || tags.contains(etag));
    if not_modified {
        return Err(Box::new(
            (StatusCode::NOT_MODIFIED, headers).into_response(),
        ));
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(body.content_type),
    );
    Ok(headers)
}

/// A page with a signup form: its time stamp is filled in for this request. The ETag
/// still names the page (it is taken with the placeholder in), so a browser revalidates
/// cheaply and keeps the copy it has: an older stamp only makes the visitor's form
/// older, which the minimum time never refuses. `private`: a shared cache would hand one
/// stamp to everyone.
pub(super) fn serve_stamped(
    body: &Compressed,
    slot: &crate::publish::compressed::Slot,
    request: &HeaderMap,
    stamp: &str,
) -> Response {
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    // Gzip only (see `Slot`): what the client would take if brotli were not on offer.
    let gzip = accept.is_some_and(|a| {
        crate::publish::Encoding::negotiate(Some(&a.replace("br", "-")))
            == crate::publish::Encoding::Gzip
    });
    let etag = if gzip {
        format!("{}-gz\"", body.identity.etag.trim_end_matches('"'))
    } else {
        body.identity.etag.clone()
    };
    let mut headers = match validated(body, request, &etag, STAMPED_PAGE_CACHE) {
        Ok(headers) => headers,
        Err(not_modified) => return *not_modified,
    };
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        (headers, slot.gzip(stamp)).into_response()
    } else {
        (headers, slot.identity(stamp)).into_response()
    }
}

/// `/`, `/reports/{slug}`, `/courses/{slug}`, `/waitlists/{list}` and its
/// check-your-inbox page: prerendered pages are keyed by their path. These handlers
/// run without middleware (it costs a fifth of the throughput here), so they add the
/// security headers and render their 404 themselves.
pub async fn prerendered(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(response) = site_broken(&state, &headers) {
        return secure(response, &state);
    }
    let published = state.site.load();
    let response = match published.page(uri.path()) {
        Some(body) => {
            state.views.count(uri.path());
            match &body.slot {
                Some(slot) => serve_stamped(body, slot, &headers, &state.guard.stamp_now()),
                None => serve(body, &headers, PAGE_CACHE),
            }
        }
        None => missing(&published, uri.path(), &headers),
    };
    secure(response, &state)
}

/// The answer for an address with no page: 410 with a short page when the site says the
/// page was removed, else the 404 page. Both are prerendered: a crawler walking dead
/// links costs a look-up, not a render.
pub(super) fn missing(published: &Published, path: &str, request: &HeaderMap) -> Response {
    match published.gone_page(path) {
        Some(body) => serve_error(body, StatusCode::GONE, request),
        None => serve_error(published.not_found_page(), StatusCode::NOT_FOUND, request),
    }
}

/// A prerendered error page, compressed as the client accepts, never cached (the
/// address may have a page by the next request).
pub fn serve_error(body: &Compressed, status: StatusCode, request: &HeaderMap) -> Response {
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (variant, encoding) = body.pick(accept);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(body.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(coding) = encoding.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    (status, headers, variant.body.clone()).into_response()
}

pub async fn static_file(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let published = state.site.load();
    let response = match published.asset(uri.path()) {
        Some(asset) => serve(
            &asset.body,
            &headers,
            if asset.immutable {
                IMMUTABLE
            } else {
                STATIC_CACHE
            },
        ),
        None => missing(&published, uri.path(), &headers),
    };
    secure(response, &state)
}

/// Any other method on a prerendered page's address.
pub async fn method_not_allowed(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
) -> Response {
    let response = render_now(&state, AppError::MethodNotAllowed, &method, uri.path());
    secure(response, &state)
}

/// In development, while the site folder's last edit is broken: the page listing its
/// problems, 503 (the page is not gone; the site is being edited).
pub(super) fn site_broken(state: &AppState, request: &HeaderMap) -> Option<Response> {
    let page = state.site_status.error_page()?;
    Some(serve_error(&page, StatusCode::SERVICE_UNAVAILABLE, request))
}

pub(super) fn secure(mut response: Response, state: &AppState) -> Response {
    insert_security_headers(response.headers_mut(), state.https);
    response
}

/// The 404 page for a handler outside the middleware (the embedded form of a list that
/// is not there).
pub fn not_found_page(state: &AppState) -> Response {
    secure(
        serve_error(
            state.site.load().not_found_page(),
            StatusCode::NOT_FOUND,
            &HeaderMap::new(),
        ),
        state,
    )
}

/// Any address no route takes: 410 for a removed page, else the 404 page (HTML; the
/// JSON API answers its own 404s).
pub async fn not_found(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(response) = site_broken(&state, &headers) {
        return response;
    }
    missing(&state.site.load(), uri.path(), &headers)
}

/// Live: the process answers (no database involved).
pub async fn health() -> &'static str {
    "ok"
}

/// Ready: the database takes a write within two seconds and its migrations are done
/// (they run before the port opens). A load balancer sends no traffic to a node that
/// answers 503 here; a node cut off from its database says so instead of failing signups.
pub async fn ready(State(state): State<AppState>) -> Response {
    match state
        .waitlists
        .database_ready(std::time::Duration::from_secs(2))
        .await
    {
        Ok(()) => "ready".into_response(),
        Err(_) => {
            // Logged once per check by the use case, not once per probe.
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::RETRY_AFTER, "2"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                "not ready: the database is not reachable\n",
            )
                .into_response()
        }
    }
}
