//! Per-network limits and a per-node ceiling on the four entry points that cost us mail,
//! rows or CPU (see `abuse::limits`). In memory and per node: with N nodes the ceiling
//! is N times. `QUIETLIST_RATE_LIMIT=off` turns it off (benchmarks).
//!
//! The check runs before the body is read, so a limited request is answered the same
//! whatever address it carries: a 429 tells nothing about who is on the list.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_ip::client_ip;
use super::error::AppError;
use crate::abuse::limits::{EntryPoint, Limits};
use crate::abuse::table::{BucketTable, GlobalBucket};

/// Which limit refused a request, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Network,
    WideNetwork,
    Global,
}

struct Gate {
    network: BucketTable,
    wide: BucketTable,
    global: GlobalBucket,
    refused: [AtomicU64; 3],
}

/// The limits of every entry point, with their fixed-size tables.
pub struct RateLimiter {
    gates: [Gate; 4],
    /// A bucket per API key.
    api_keys: BucketTable,
    /// A bucket per client address for API requests that fail authentication.
    api_failures: BucketTable,
}

impl RateLimiter {
    pub fn new(limits: &Limits) -> Self {
        let gate = |entry: EntryPoint| {
            let budget = limits.budget(entry);
            // The other doors see far fewer distinct networks than signups do.
            let capacity = match entry {
                EntryPoint::Signup => limits.table_capacity,
                _ => limits.table_capacity / 4,
            };
            Gate {
                network: BucketTable::new(budget.network, capacity),
                wide: BucketTable::new(budget.wide_rate(), capacity / 4),
                global: GlobalBucket::new(budget.global),
                refused: Default::default(),
            }
        };
        Self {
            gates: EntryPoint::ALL.map(gate),
            api_keys: BucketTable::new(limits.api, 4_096),
            api_failures: BucketTable::new(limits.api_auth, limits.table_capacity / 4),
        }
    }

    /// Takes one request from the API key `key_id`'s bucket; `Err` says how long to wait.
    pub fn check_api_key(&self, key_id: i64, now: Instant) -> Result<(), Duration> {
        self.api_keys.take(key_id as u128, now)
    }

    /// Whether the client at `ip` may still try a key: `Err` (how long to wait) once its
    /// failures have used its budget. Takes nothing: only failures count.
    pub fn check_api_client(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        self.api_failures.peek(network_keys(ip).0, now)
    }

    /// Counts a failed authentication from `ip`; `Err` when it was over the budget.
    pub fn api_auth_failed(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        self.api_failures.take(network_keys(ip).0, now)
    }

    fn gate(&self, entry: EntryPoint) -> &Gate {
        &self.gates[entry as usize]
    }

    /// Takes one request of `entry` from `ip`'s network, its wider network and the node's
    /// ceiling; `Err` says which refused and how long to wait. Without a known address,
    /// only the ceiling applies.
    pub fn check(
        &self,
        entry: EntryPoint,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), (Refusal, Duration)> {
        let gate = self.gate(entry);
        let result = (|| {
            if let Some(ip) = ip {
                let (narrow, wide) = network_keys(ip);
                gate.network
                    .take(narrow, now)
                    .map_err(|w| (Refusal::Network, w))?;
                gate.wide
                    .take(wide, now)
                    .map_err(|w| (Refusal::WideNetwork, w))?;
            }
            gate.global.take(now).map_err(|w| (Refusal::Global, w))
        })();
        if let Err((refusal, _)) = result {
            gate.refused[refusal as usize].fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Requests refused so far, by entry point and limit (for logs and tests).
    pub fn refused(&self, entry: EntryPoint, by: Refusal) -> u64 {
        self.gate(entry).refused[by as usize].load(Ordering::Relaxed)
    }
}

/// The client's network and its wider network as table keys: an IPv4 address and its
/// /24; an IPv6 /64 (one customer's usual allocation: hopping inside it is one client)
/// and its /48. IPv4-mapped IPv6 addresses count as IPv4.
pub fn network_keys(ip: IpAddr) -> (u128, u128) {
    const V4: u128 = 4 << 120;
    const V6: u128 = 6 << 120;
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    };
    match (v4, ip) {
        (Some(v4), _) => {
            let bits = u128::from(u32::from(v4));
            (V4 | bits, V4 | (1 << 100) | (bits & 0xFFFF_FF00))
        }
        (None, IpAddr::V6(v6)) => {
            let top = u128::from(v6) >> 64;
            (V6 | top, V6 | (1 << 100) | (top & !0xFFFF))
        }
        (None, IpAddr::V4(_)) => (0, 0),
    }
}

/// Which budget a request draws on, if any. Only POSTs: pages are free.
pub fn entry_point(method: &Method, path: &str) -> Option<EntryPoint> {
    if method != Method::POST {
        return None;
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["waitlists", _, "signups"] => Some(EntryPoint::Signup),
        ["manage"] => Some(EntryPoint::Manage),
        ["confirm" | "unsubscribe" | "accept" | "decline", _] => Some(EntryPoint::Link),
        ["manage", _, "unsubscribe" | "erase" | "download"] => Some(EntryPoint::Link),
        ["admin", "login"] => Some(EntryPoint::Login),
        _ => None,
    }
}

/// Middleware: refuses a request over its budget with 429 and `Retry-After`, as an HTML
/// page or, for JSON clients, `{"error": {"field": null, "message": ...}}`.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = &state.limiter else {
        return next.run(request).await;
    };
    let Some(entry) = entry_point(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_ip(*peer, request.headers(), state.trust_proxy));
    match limiter.check(entry, ip, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err((refusal, wait)) => {
            // No address, no IP: which door and which limit is all the log needs.
            tracing::debug!(entry = entry.as_str(), limit = ?refusal, "rate limited");
            let error = AppError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            };
            if wants_json(request.headers()) {
                error.into_json_response()
            } else {
                error.into_response()
            }
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    let get = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let accept = get(header::ACCEPT);
    get(header::CONTENT_TYPE).starts_with("application/json")
        || (accept.contains("application/json") && !accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_a_key_per_slash_64_and_ipv4_per_address() {
        let key = |s: &str| network_keys(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1").0, key("2001:db8:1:2::ffff").0);
        assert_ne!(key("2001:db8:1:2::1").0, key("2001:db8:1:3::1").0);
        assert_eq!(key("2001:db8:1:2::1").1, key("2001:db8:1:3::1").1);
        assert_ne!(key("203.0.113.1").0, key("203.0.113.2").0);
        assert_eq!(key("203.0.113.1").1, key("203.0.113.2").1);
        assert_ne!(key("203.0.113.1").1, key("203.0.114.1").1);
        assert_eq!(key("::ffff:203.0.113.1"), key("203.0.113.1"));
    }

    #[test]
    fn only_the_costly_posts_are_limited() {
        let post = Method::POST;
        assert_eq!(
            entry_point(&post, "/waitlists/x/signups"),
            Some(EntryPoint::Signup)
        );
        assert_eq!(entry_point(&post, "/manage"), Some(EntryPoint::Manage));
        assert_eq!(entry_point(&post, "/confirm/abc"), Some(EntryPoint::Link));
        assert_eq!(entry_point(&post, "/decline/abc"), Some(EntryPoint::Link));
        assert_eq!(entry_point(&post, "/admin/login"), Some(EntryPoint::Login));
        assert_eq!(entry_point(&Method::GET, "/manage"), None);
        assert_eq!(entry_point(&post, "/admin/logout"), None);
    }
}
