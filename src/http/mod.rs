//! HTTP: the router, shared state, extractors, error pages and middleware.

mod admin;
pub mod api;
pub mod client_ip;
mod confirm;
mod cors;
mod embed;
pub mod error;
mod headers;
mod invites;
mod news;
mod pages;
mod preview;
pub mod privacy;
pub mod rate_limit;
pub mod request_metrics;
pub mod server;
mod signup;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use headers::CONTENT_SECURITY_POLICY;
pub use signup::MAX_BODY;
pub use signup::{JsonProblem, form_fields, json_fields};

use crate::publish::Published;
use crate::waitlist::Waitlists;

/// What every handler can reach, behind one `Arc` (cloned per request and middleware).
pub type AppState = Arc<AppContext>;

pub struct AppContext {
    pub site: Arc<ArcSwap<Published>>,
    pub waitlists: Waitlists,
    /// The base URL is https: send HSTS, use `__Host-` cookies.
    pub https: bool,
    /// Whether the site folder's last edit broke the site (the dev error page).
    pub site_status: Arc<crate::publish::reload::SiteStatus>,
    /// Believe `X-Forwarded-For` (quietlist runs behind a reverse proxy).
    pub trust_proxy: bool,
    /// Per-network limits and per-node ceilings on the costly POSTs; `None` when rate
    /// limits are off.
    pub limiter: Option<Arc<rate_limit::RateLimiter>>,
    /// Form stamps, proof of work and throwaway domains, checked at signup.
    pub guard: Arc<crate::abuse::SignupGuard>,
    /// What `/privacy` states.
    pub promise: privacy::PromiseFacts,
    /// Page views, counted for the dashboard.
    pub views: Arc<views::PageViews>,
    pub owners: crate::admin::Owners,
    /// The owner's use cases: everything `/admin` does beyond signing in.
    pub owner_actions: crate::admin::OwnerActions,
    /// The way out for mail the outbox worker uses: the owner's test copies take it too.
    pub mail_out: crate::admin::MailOut,
    /// Every answer to a request that names an address (a signup, a manage-link request)
    /// leaves no sooner than this after the request arrived, whatever the address: the
    /// work differs between someone on the list and a stranger, the answer's time must not.
    pub answer_floor: std::time::Duration,
    /// A request still running after this is answered 503 (work it started in the
    /// background, such as an import, goes on).
    pub request_timeout: Duration,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let https = state.https;

    // Prerendered pages and files: a map look-up each. They carry only what they need
    // (security headers, error pages), which keeps them near nginx's speed
    // (bench/RESULTS.md); nothing on them can fail on the server's side.
    let page = || get(pages::prerendered).fallback(pages::method_not_allowed);
    let prerendered = Router::new()
        .route("/", page())
        .route("/reports/{slug}", page())
        .route("/courses/{slug}", page())
        .route("/waitlists/{list}", page())
        .route("/waitlists/{list}/check-your-inbox", page())
        .route("/waitlists/{list}/check-your-inbox/{language}", page())
        .route("/waitlists/{list}/embed", get(embed::form))
        .route(
            "/static/{file}",
            get(pages::static_file).fallback(pages::method_not_allowed),
        )
        .route(
            "/favicon.ico",
            get(pages::static_file).fallback(pages::method_not_allowed),
        )
        .route(
            "/robots.txt",
            get(pages::static_file).fallback(pages::method_not_allowed),
        )
        .route(
            "/preview/{token}/{*path}",
            get(preview::draft).fallback(pages::method_not_allowed),
        )
        .route("/healthz", get(pages::health))
        .route("/readyz", get(pages::ready));

    // Everything that reads or writes the database. The last layer added is the
    // outermost.
    let dynamic = Router::new()
        .route("/waitlists/{list}/signups", post(signup::sign_up))
        .route("/waitlists/{list}/challenge", get(signup::challenge))
        .route(
            "/confirm/{token}",
            get(confirm::show).post(confirm::confirm),
        )
        .route(
            "/unsubscribe/{token}",
            get(privacy::unsubscribe_page).post(privacy::unsubscribe),
        )
        .route(
            "/manage",
            get(privacy::access_form).post(privacy::access_request),
        )
        .route("/manage/{token}", get(privacy::manage_page))
        .route("/manage/{token}/download", post(privacy::manage_download))
        .route(
            "/manage/{token}/unsubscribe",
            post(privacy::manage_unsubscribe),
        )
        .route("/manage/{token}/erase", post(privacy::manage_erase))
        .route("/privacy", get(privacy::privacy_page))
        .route(
            "/accept/{token}",
            get(invites::accept_page).post(invites::accept),
        )
        .route(
            "/decline/{token}",
            get(invites::decline_page).post(invites::decline),
        )
        .route("/waitlists/{list}/join/{code}", get(signup::join_page))
        // Published announcements come from the database: the feed and the sitemap
        // merge the newest of them into the site's own.
        .route("/news/{id}", get(news::page))
        .route("/feed.xml", get(news::feed))
        .route("/sitemap.xml", get(news::sitemap))
        .merge(admin::routes())
        .merge(api::routes())
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit,
        ))
        // Outside the limits, so that a 429 can be read by the page that sent the signup.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cors::on_signups,
        ))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_error_pages,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, headers::RandomRequestId))
                .layer(TraceLayer::new_for_http().make_span_with(
                    |request: &axum::http::Request<_>| {
                        let id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        // Paths may carry link tokens: the span names the method only.
                        tracing::info_span!("request", method = %request.method(), request_id = %id)
                    },
                ))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        );

    prerendered
        .merge(headers::with_security_headers(dynamic, https))
        .with_state(state)
}
