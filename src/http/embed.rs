//! `GET /waitlists/{list}/embed`: the waitlist form alone, for another site to show in a
//! frame. Plain HTML, no script, no cookie; it posts to the signup endpoint like the
//! form on the waitlist's own page (the same limits, the same answers) and opens the
//! answer in the whole window. Only the origins in `allowed_origins` may frame it: its
//! `frame-ancestors` names them (none listed: no site may).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::headers::insert_security_headers;

pub async fn form(State(state): State<AppState>, Path(list): Path<String>) -> Response {
    let published = state.site.load();
    let Some(waitlist) = published.site.waitlist(&list) else {
        return super::pages::not_found_page(&state);
    };
    let rendered = published.render(
        "embed.html",
        json!({
            "waitlist": waitlist,
            "form_id": format!("embed:{list}"),
            "form_stamp": state.guard.stamp_now(),
            "form": { "values": {}, "errors": {} },
            "embed": true,
        }),
    );
    let mut response = match rendered {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "rendering the embedded form");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    };
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(
        &published.site.settings.allowed_origins,
    )) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    // A fresh time stamp in every copy: never stored.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    insert_security_headers(headers, state.https);
    // `frame-ancestors` says who may frame this page; X-Frame-Options: DENY would
    // forbid every site, whatever the policy says, in older browsers.
    headers.remove(header::X_FRAME_OPTIONS);
    response
}

/// The site's policy, but framable by the listed origins, and forms may post only here.
pub fn content_security_policy(allowed_origins: &[String]) -> String {
    let ancestors = if allowed_origins.is_empty() {
        "'none'".to_owned()
    } else {
        allowed_origins.join(" ")
    };
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
         base-uri 'none'; frame-ancestors {ancestors}; object-src 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_origins_may_frame_the_form() {
        let policy = content_security_policy(&[
            "https://example.com".into(),
            "http://127.0.0.1:9000".into(),
        ]);
        assert!(
            policy.contains("frame-ancestors https://example.com http://127.0.0.1:9000;"),
            "{policy}"
        );
        assert!(content_security_policy(&[]).contains("frame-ancestors 'none'"));
    }
}
