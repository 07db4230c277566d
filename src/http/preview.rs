//! `/preview/{token}/{path}`: a draft, for its author. The token is an HMAC of the path
//! under a key derived from the server's secret key; a wrong one answers exactly as an
//! unknown address does (404), so the address says nothing about which drafts exist.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;

use super::AppState;
use super::pages::{missing, secure, serve_stamped, site_broken};

pub async fn draft(
    State(state): State<AppState>,
    Path((token, rest)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = site_broken(&state, &headers) {
        return secure(response, &state);
    }
    let published = state.site.load();
    let path = format!("/{rest}");
    let page = published
        .preview(&path)
        .filter(|_| state.waitlists.vault.preview_token_matches(&path, &token));
    let mut response = match (page, page.and_then(|p| p.slot.as_ref())) {
        (Some(page), Some(slot)) => serve_stamped(page, slot, &headers, &state.guard.stamp_now()),
        (Some(page), None) => super::pages::serve(page, &headers, "private, no-store"),
        _ => missing(&published, uri.path(), &headers),
    };
    if page.is_some() {
        let out = response.headers_mut();
        out.insert("x-robots-tag", HeaderValue::from_static("noindex"));
        // A draft changes with every save; no cache keeps an old one.
        out.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    secure(response, &state)
}
