//! The API's errors: always JSON, `{"error": {"code", "message", "field"}}`, with the
//! status a client can act on. A 5xx body is opaque (its cause is logged once, by the
//! error middleware, with the request id).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::OwnerActionError;
use crate::admin::api::AddPersonError;
use crate::admin::api_keys::ApiScope;
use crate::http::error::AppError;
use crate::store::StoreError;
use crate::waitlist::InviteError;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable word to branch on: `unauthorized`, `missing_scope`, `not_found`,
    /// `conflict`, `invalid`, `rate_limited`, `payload_too_large`, `bad_request`,
    /// `unavailable`, `internal`...
    pub code: String,
    /// What happened and what to do, in words.
    pub message: String,
    /// The request field at fault, when one is.
    pub field: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    /// No key, or one that is unknown or revoked.
    Unauthorized,
    MissingScope(ApiScope),
    NotFound(String),
    Conflict {
        code: &'static str,
        message: String,
    },
    Invalid {
        field: String,
        message: String,
    },
    RateLimited {
        retry_after: u64,
    },
    /// Too many requests with a missing, wrong or revoked key from the client's address.
    AuthRateLimited {
        retry_after: u64,
    },
    /// Anything else the server can tell the client (a store error, a bug...).
    App(AppError),
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, String, Option<String>) {
        match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send an API key as `Authorization: Bearer ql_...`; this one is missing, unknown or revoked.".into(),
                None,
            ),
            Self::MissingScope(scope) => (
                StatusCode::FORBIDDEN,
                "missing_scope",
                format!("This key lacks the scope {scope:?} that this call needs.", scope = scope.as_str()),
                None,
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", what.clone(), None),
            Self::Conflict { code, message } => (StatusCode::CONFLICT, code, message.clone(), None),
            Self::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("{field}: {message}"),
                Some(field.clone()),
            ),
            Self::RateLimited { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests with this key; try again in {retry_after} s."),
                None,
            ),
            Self::AuthRateLimited { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests with a missing, wrong or revoked key from this address; try again in {retry_after} s."),
                None,
            ),
            Self::App(e) => {
                let status = e.status();
                let (code, message) = match status {
                    StatusCode::SERVICE_UNAVAILABLE => (
                        "unavailable",
                        "The database is busy or unavailable; nothing was changed. Try again shortly.",
                    ),
                    s if s.is_server_error() => {
                        ("internal", "Something went wrong on our side; the cause is logged with the request id.")
                    }
                    _ => ("error", "The request could not be handled."),
                };
                (status, code, message.into(), None)
            }
        }
    }
}

/// A JSON error answer with this status and words.
pub fn json_error(
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                field,
            },
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = self.parts();
        let mut response = json_error(status, code, message, field);
        match self {
            Self::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"quietlist\""),
                );
            }
            Self::RateLimited { retry_after } | Self::AuthRateLimited { retry_after } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Self::App(e) => {
                // Let the app's error carry its cause (and Retry-After) to the middleware
                // that logs it; the body stays ours.
                let theirs = e.into_json_response();
                let (parts, _) = theirs.into_parts();
                for name in [header::RETRY_AFTER] {
                    if let Some(v) = parts.headers.get(&name) {
                        response.headers_mut().insert(name, v.clone());
                    }
                }
                response.extensions_mut().extend(parts.extensions);
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<OwnerActionError> for ApiError {
    fn from(e: OwnerActionError) -> Self {
        match e {
            OwnerActionError::NoSuchList(list) => {
                Self::NotFound(format!("There is no waitlist named {list:?}."))
            }
            OwnerActionError::NoSuchPerson => {
                Self::NotFound("There is no such person (they may have been erased).".into())
            }
            OwnerActionError::NoSuchAnnouncement(key) => {
                Self::NotFound(format!("There is no announcement {key:?} on this list."))
            }
            OwnerActionError::Invite(e) => e.into(),
            OwnerActionError::Refused(reason) => Self::Conflict {
                code: "conflict",
                message: reason.render(crate::i18n::Language::English),
            },
            other => Self::App(other.into()),
        }
    }
}

impl From<AddPersonError> for ApiError {
    fn from(e: AddPersonError) -> Self {
        match e {
            AddPersonError::Invalid { field, message } => Self::Invalid { field, message },
            e @ AddPersonError::AlreadyThere { .. } => Self::Conflict {
                code: "already_on_list",
                message: format!("{e}; it was left as it is."),
            },
            e @ AddPersonError::Suppressed => Self::Conflict {
                code: "suppressed",
                message: e.to_string(),
            },
            AddPersonError::Action(e) => e.into(),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::UnknownList => Self::NotFound("There is no waitlist by that name.".into()),
            e @ (InviteError::UnknownCohort(..) | InviteError::NoCohort(_)) => {
                Self::invalid("cohort", e.to_string())
            }
            InviteError::Store(e) => e.into(),
        }
    }
}
