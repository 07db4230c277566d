//! Security headers on every response, and request ids.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use tower_http::request_id::{MakeRequestId, RequestId};
use tower_http::set_header::SetResponseHeaderLayer;

/// Pages need no script and load nothing from another origin; say so to the browser.
/// JSON-LD (`<script type="application/ld+json">`) is a data block the browser never
/// runs, so it needs no `script-src` and this policy stays closed to every script.
/// `connect-src 'self'` lets crawlers' tools that fetch /robots.txt from inside the page
/// (Lighthouse does) read it; with no script allowed, nothing else can connect at all.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; \
     object-src 'none'";

/// The owner's preview of a mail: the same, but for the inline style attributes of the
/// mail's HTML part in its sandboxed frame (a frame's `srcdoc` takes its page's policy).
/// A style attribute can run no script, and loads only from this origin.
pub const PREVIEW_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'; object-src 'none'";

const STATIC_HEADERS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
];

/// Adds the headers to one response (prerendered pages, which skip the layers).
pub fn insert_security_headers(headers: &mut HeaderMap, https: bool) {
    for (name, value) in STATIC_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// Adds the headers to every response of `router`, each unless the handler set its own
/// (a link page's stricter Referrer-Policy, say). HSTS only when served over https.
pub fn with_security_headers<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    https: bool,
) -> axum::Router<S> {
    let mut router = router;
    for (name, value) in STATIC_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    if https {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router
}

/// Request ids: 16 random hex digits.
#[derive(Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let id = hex::encode(rand::random::<[u8; 8]>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}
