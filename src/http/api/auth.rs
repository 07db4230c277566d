//! `Authorization: Bearer ql_...`: the key behind a request, its scopes, and its bucket.

use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use secrecy::SecretString;

use super::error::ApiError;
use crate::admin::api_keys::{ApiCaller, ApiScope};
use crate::http::AppState;
use crate::privacy::audit::Actor;

/// The caller of an API request: a known, unrevoked key within its rate limit.
pub struct Caller(pub ApiCaller);

impl Caller {
    /// Refuses with 403 naming `scope` unless the key has it.
    pub fn require(&self, scope: ApiScope) -> Result<(), ApiError> {
        if self.0.may(scope) {
            Ok(())
        } else {
            Err(ApiError::MissingScope(scope))
        }
    }

    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, key) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| SecretString::from(key.trim().to_owned()))
            })
            .ok_or(ApiError::Unauthorized)?;
        let caller = state
            .owner_actions
            .authenticate_api_key(&presented)
            .await?
            .map_err(|_| ApiError::Unauthorized)?;
        if let Some(limiter) = &state.limiter {
            limiter
                .check_api_key(caller.id, Instant::now())
                .map_err(|wait| ApiError::RateLimited {
                    retry_after: wait.as_secs().max(1),
                })?;
        }
        Ok(Caller(caller))
    }
}
