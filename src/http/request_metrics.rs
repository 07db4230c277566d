//! Request counts and answer times by route template, for the metrics listener. The
//! label is the template (`/confirm/{token}`), never the path: paths carry link tokens.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// The label of a request no route matched (404s, probes): one value, whatever the path.
const UNMATCHED: &str = "unmatched";

pub async fn track(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED.to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(
        crate::metrics::HTTP_DURATION,
        "method" => method,
        "route" => route.clone()
    )
    .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        crate::metrics::HTTP_REQUESTS,
        "method" => method,
        "route" => route,
        "status" => status
    )
    .increment(1);
    response
}

/// Methods outside the usual few share one label, so that a client cannot make new series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
