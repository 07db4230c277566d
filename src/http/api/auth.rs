//! `Authorization: Bearer ql_...`: the key behind a request, its scopes, and its bucket;
//! and, per client address, a bucket of failed keys.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use secrecy::SecretString;

use super::error::ApiError;
use crate::admin::api_keys::{ApiCaller, ApiScope};
use crate::http::AppState;
use crate::http::client_ip::client_ip;
use crate::privacy::audit::Actor;

/// The caller of an API request: a known, unrevoked key within its rate limit, from an
/// address within its budget of failed keys.
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
        let now = Instant::now();
        // The client's address (behind a trusted proxy, the proxy's last hop), whose
        // failed keys are counted: past its budget, refused before any key is hashed
        // or looked up.
        let client = state.limiter.as_deref().and_then(|limiter| {
            let ip = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| client_ip(*peer, &parts.headers, state.trust_proxy))?;
            Some((limiter, ip))
        });
        if let Some((limiter, ip)) = client {
            limiter
                .check_api_client(ip, now)
                .map_err(|wait| ApiError::AuthRateLimited {
                    retry_after: seconds(wait),
                })?;
        }
        let refused = || match client {
            Some((limiter, ip)) => match limiter.api_auth_failed(ip, now) {
                Ok(()) => ApiError::Unauthorized,
                Err(wait) => ApiError::AuthRateLimited {
                    retry_after: seconds(wait),
                },
            },
            None => ApiError::Unauthorized,
        };
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
            .ok_or_else(refused)?;
        let caller = state
            .owner_actions
            .authenticate_api_key(&presented)
            .await?
            .map_err(|_| refused())?;
        if let Some(limiter) = &state.limiter {
            limiter
                .check_api_key(caller.id, now)
                .map_err(|wait| ApiError::RateLimited {
                    retry_after: seconds(wait),
                })?;
        }
        Ok(Caller(caller))
    }
}

/// A wait as `Retry-After` seconds, rounded up: a client that waits that long finds a
/// token (rounded down, 1.9 s would say 1 and the retry would be refused again).
fn seconds(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}
