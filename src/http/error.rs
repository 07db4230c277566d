//! Errors at the edge: every failure becomes a 4xx page (or JSON) that says what to do,
//! or an opaque 5xx that carries the request id. The cause chain is logged once, here.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppContext, AppState};
use crate::admin::{OwnerActionError, OwnerError};
use crate::i18n::{Language, Text, errors, msg};
use crate::privacy::self_service::ViewError;
use crate::store::StoreError;
use crate::waitlist::InviteError;
use crate::waitlist::import::ImportError;

/// A page-level error. Handlers return it; [`render_error_pages`] turns it into HTML with
/// the site's layout (it needs the site, which `IntoResponse` does not have).
#[derive(Debug)]
pub enum AppError {
    NotFound,
    MethodNotAllowed,
    /// A page with its own status and words (an expired or unknown link...).
    Page {
        status: StatusCode,
        heading: Text,
        lines: Vec<Text>,
    },
    PayloadTooLarge,
    UnsupportedMediaType,
    /// A client over its rate limit; try again after this many seconds.
    TooManyRequests {
        retry_after: u64,
    },
    /// Too busy, disk full or database locked: nothing was written; try again.
    Unavailable(Arc<StoreError>),
    Internal(Arc<anyhow::Error>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_transient() {
            Self::Unavailable(Arc::new(e))
        } else {
            Self::Internal(Arc::new(anyhow::Error::new(e)))
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(Arc::new(e))
    }
}

// Use-case errors: each keeps a store error whole, so that a transient one stays a 503.

impl From<OwnerActionError> for AppError {
    fn from(e: OwnerActionError) -> Self {
        match e {
            OwnerActionError::NoSuchList(_)
            | OwnerActionError::NoSuchPerson
            | OwnerActionError::NoSuchAnnouncement(_)
            | OwnerActionError::NoSuchWebhook => Self::NotFound,
            OwnerActionError::NotAllowed { role, what } => Self::Page {
                status: StatusCode::FORBIDDEN,
                heading: Text::key("admin-not-allowed"),
                lines: vec![
                    errors::not_allowed(role, what),
                    Text::key("admin-role-can-change"),
                ],
            },
            OwnerActionError::Refused(reason) => Self::Page {
                status: StatusCode::CONFLICT,
                heading: Text::key("admin-cannot-be-done"),
                lines: vec![reason],
            },
            OwnerActionError::Invite(e) => e.into(),
            OwnerActionError::Import(e) => e.into(),
            OwnerActionError::Store(e) => e.into(),
            OwnerActionError::Internal(e) => e.into(),
            OwnerActionError::MailNotSent(_) => anyhow::Error::new(e).into(),
        }
    }
}

impl From<OwnerError> for AppError {
    fn from(e: OwnerError) -> Self {
        match e {
            OwnerError::Store(e) => e.into(),
            OwnerError::Internal(e) => e.into(),
            // Account changes are made at the command line; on the web these are bugs.
            e @ (OwnerError::Invalid(_) | OwnerError::NoSuchOwner) => anyhow::Error::new(e).into(),
        }
    }
}

impl From<ViewError> for AppError {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Store(e) => e.into(),
            ViewError::Vault(e) => anyhow::Error::new(e).into(),
        }
    }
}

impl From<InviteError> for AppError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Store(e) => e.into(),
            // The owner named a list or cohort that is not there: say which, on the form.
            e @ (InviteError::UnknownList
            | InviteError::UnknownCohort(..)
            | InviteError::NoCohort(_)) => Self::Page {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: Text::key("check-the-form"),
                lines: vec![errors::invite(&e)],
            },
        }
    }
}

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::UnknownList => Self::NotFound,
            ImportError::BadFile(reason) => Self::Page {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: Text::key("admin-import-refused"),
                lines: vec![reason],
            },
            ImportError::Store(e) => e.into(),
            ImportError::Internal(e) => e.into(),
        }
    }
}

/// Carried in the response's extensions from the handler to the middleware.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub heading: Text,
    pub lines: Vec<Text>,
}

/// Marks a plain 404: the middleware answers it with the site's prerendered 404 page.
#[derive(Debug, Clone, Copy)]
struct PrerenderedNotFound;

/// The cause of a 5xx, for the log line the middleware writes.
#[derive(Debug, Clone)]
struct Cause(Arc<anyhow::Error>);

/// Seconds a client should wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Page { status, .. } => *status,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn page(&self) -> ErrorPage {
        let (heading, lines) = match self {
            Self::NotFound => (
                Text::key("not-found-heading"),
                vec![Text::key("not-found-text")],
            ),
            Self::MethodNotAllowed => (
                Text::key("error-method-heading"),
                vec![Text::key("error-method-text")],
            ),
            Self::Page { heading, lines, .. } => (heading.clone(), lines.clone()),
            Self::PayloadTooLarge => (
                Text::key("error-too-large-heading"),
                vec![Text::key("error-too-large-text")],
            ),
            Self::UnsupportedMediaType => (
                Text::key("error-media-type-heading"),
                vec![Text::key("error-media-type-text")],
            ),
            Self::TooManyRequests { retry_after } => (
                Text::key("error-too-many-heading"),
                vec![Text::with(
                    "error-too-many-text",
                    vec![("seconds", (*retry_after).into())],
                )],
            ),
            Self::Unavailable(e) => (
                Text::key("error-busy-heading"),
                vec![match e.as_ref() {
                    StoreError::DiskFull => Text::key("error-disk-full-text"),
                    _ => Text::key("error-busy-text"),
                }],
            ),
            Self::Internal(_) => (
                Text::key("error-internal-heading"),
                vec![Text::key("error-internal-text")],
            ),
        };
        ErrorPage { heading, lines }
    }

    /// The JSON form, for API clients: `{"error": {"field": ..., "message": ...}}`.
    pub fn into_json_response(self) -> Response {
        let status = self.status();
        let (field, message) = match &self {
            Self::NotFound => ("list", "There is no waitlist by that name.".to_owned()),
            Self::MethodNotAllowed => ("method", "Use POST.".to_owned()),
            Self::PayloadTooLarge => ("body", "The body is larger than 16 KiB.".to_owned()),
            Self::UnsupportedMediaType => (
                "content-type",
                "Use application/json or application/x-www-form-urlencoded.".to_owned(),
            ),
            Self::TooManyRequests { retry_after } => (
                "body",
                format!("Too many requests from this network; try again in {retry_after} s."),
            ),
            Self::Unavailable(e) => ("body", format!("{e}; nothing was recorded, try again.")),
            Self::Page { heading, .. } => ("token", heading.render(Language::English)),
            Self::Internal(_) => ("body", "Internal error; see the request id.".to_owned()),
        };
        // A limit is about the client, not about any field it sent.
        let field = match &self {
            Self::TooManyRequests { .. } => None,
            _ => Some(field),
        };
        let mut response = (
            status,
            axum::Json(json!({ "error": { "field": field, "message": message } })),
        )
            .into_response();
        self.decorate(&mut response);
        response
    }

    fn decorate(&self, response: &mut Response) {
        match self {
            Self::TooManyRequests { retry_after } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::Unavailable(e) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
                response
                    .extensions_mut()
                    .insert(Cause(Arc::new(anyhow::anyhow!("{e}"))));
            }
            Self::Internal(e) => {
                response.extensions_mut().insert(Cause(e.clone()));
            }
            _ => {}
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if matches!(self, Self::NotFound) {
            response.extensions_mut().insert(PrerenderedNotFound);
        }
        response.extensions_mut().insert(self.page());
        self.decorate(&mut response);
        response
    }
}

/// Renders [`ErrorPage`]s with the site's layout, logs 5xx causes with the request id,
/// and replaces any other empty error response (a framework rejection) with a page.
pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Cheap clones (reference counts, no allocation): most responses are not errors.
    let request_id = request.headers().get("x-request-id").cloned();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    if !response.status().is_client_error() && !response.status().is_server_error() {
        return response;
    }
    let request_id = request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    finish(&state, response, request_id, &method, uri.path())
}

/// Renders an error right away, for handlers outside the middleware (prerendered pages).
pub fn render_now(state: &AppContext, error: AppError, method: &Method, path: &str) -> Response {
    finish(state, error.into_response(), "", method, path)
}

/// Logs the cause of an error response and gives it the site's error page.
fn finish(
    state: &AppContext,
    mut response: Response,
    request_id: &str,
    method: &Method,
    path: &str,
) -> Response {
    let status = response.status();
    if let Some(Cause(cause)) = response.extensions_mut().remove::<Cause>() {
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(request_id, %method, path, status = status.as_u16(), error = ?cause, "request failed");
        } else {
            tracing::warn!(request_id, %method, path, status = status.as_u16(), error = %cause, "request refused: try again");
        }
    }

    let published = state.site.load();
    if response
        .extensions_mut()
        .remove::<PrerenderedNotFound>()
        .is_some()
    {
        let (mut parts, _) = response.into_parts();
        let page = published.not_found_page();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(page.content_type),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Response::from_parts(parts, axum::body::Body::from(page.identity.body.clone()));
    }
    let page = match response.extensions_mut().remove::<ErrorPage>() {
        Some(page) => page,
        None if is_bare(response.headers()) => generic_page(status),
        None => return response,
    };
    let show_id = status.is_server_error();
    let language = published.site.language();
    let heading = page.heading.render(language);
    let lines: Vec<String> = page.lines.iter().map(|l| l.render(language)).collect();
    let body = published.render(
        "message.html",
        json!({
            "heading": heading,
            "lines": lines,
            "request_id": if show_id { request_id } else { "" },
        }),
    );
    let (mut parts, _) = response.into_parts();
    let body = match body {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "could not render an error page");
            format!("{} {heading}", status.as_u16())
        }
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A framework rejection: no body of ours (none, or axum's plain text).
fn is_bare(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"))
}

fn generic_page(status: StatusCode) -> ErrorPage {
    let heading = status.canonical_reason().unwrap_or("Error").to_owned();
    let line = if status == StatusCode::BAD_REQUEST {
        msg("error-bad-address-text")
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        msg("error-method-text")
    } else if status.is_server_error() {
        msg("error-server-text")
    } else {
        msg("error-generic-text")
    };
    ErrorPage {
        heading: Text::Plain(heading),
        lines: vec![Text::key(line)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transient_store_error_stays_a_503_through_every_use_case_error() {
        let busy = || StoreError::Overloaded;
        for error in [
            AppError::from(OwnerActionError::Store(busy())),
            AppError::from(OwnerError::Store(busy())),
            AppError::from(ViewError::Store(busy())),
            AppError::from(InviteError::Store(busy())),
            AppError::from(ImportError::Store(busy())),
        ] {
            assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE, "{error:?}");
        }
        let broken = AppError::from(OwnerActionError::Store(StoreError::Internal(
            anyhow::anyhow!("a bug"),
        )));
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            AppError::from(OwnerActionError::NoSuchPerson).status(),
            StatusCode::NOT_FOUND
        );
    }
}
