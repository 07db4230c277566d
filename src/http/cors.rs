//! CORS on the signup endpoint only, for the origins in `allowed_origins` only: a page on
//! the owner's other site may send a JSON signup and read the answer. Any other origin
//! gets no `Access-Control-Allow-Origin`, so its browser refuses the preflight and never
//! sends the signup (and could not read an answer). No credentials: quietlist's signup
//! needs no cookie. tower-http's `CorsLayer` does the protocol; this module decides where.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use crate::publish::Published;
use crate::publish::origins::is_allowed;

/// The middleware: CORS for `/waitlists/{list}/signups` (its preflight included, which
/// no route answers otherwise), nothing for any other path.
pub async fn on_signups(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_signup_path(request.uri().path()) {
        return next.run(request).await;
    }
    match signup_cors(state.site.clone())
        .layer(next)
        .oneshot(request)
        .await
    {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

fn is_signup_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["waitlists", list, "signups"] if !list.is_empty())
}

/// Read on each request from the site as published now, so a site.toml change holds at
/// once.
fn signup_cors(site: Arc<ArcSwap<Published>>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|origin| is_allowed(&site.load().site.settings.allowed_origins, origin))
        }))
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_signup_endpoint_is_cors_enabled() {
        assert!(is_signup_path("/waitlists/pilot-course/signups"));
        for other in [
            "/waitlists/pilot-course",
            "/waitlists//signups",
            "/waitlists/pilot-course/signups/x",
            "/manage",
            "/admin/lists/pilot-course",
        ] {
            assert!(!is_signup_path(other), "{other}");
        }
    }
}
