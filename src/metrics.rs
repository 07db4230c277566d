//! Prometheus metrics, served on a listener of their own (`QUIETLIST_METRICS_LISTEN`),
//! never on the public port. Code everywhere records through the `metrics` macros; with
//! no listener configured no recorder is installed and they cost next to nothing.
//!
//! Labels are bounded and carry nothing personal: route templates (never raw paths,
//! which hold link tokens), list names from the site settings, mail kinds, outcomes.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::store::Store;

pub const HTTP_REQUESTS: &str = "quietlist_http_requests_total";
pub const HTTP_DURATION: &str = "quietlist_http_request_duration_seconds";
pub const SIGNUPS: &str = "quietlist_signups_total";
pub const CONFIRMATIONS: &str = "quietlist_confirmations_total";
pub const WRITER_QUEUE: &str = "quietlist_db_writer_queue_depth";
pub const WRITER_BATCH: &str = "quietlist_db_writer_batch_size";
pub const DB_ERRORS: &str = "quietlist_db_errors_total";
pub const OUTBOX_DEPTH: &str = "quietlist_outbox_depth";
pub const MAIL_DELIVERIES: &str = "quietlist_mail_deliveries_total";

/// One recorder per process (the `metrics` facade is global); a second application in
/// the same process (tests) shares it.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder (once) and returns its handle.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let seconds = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ];
    let batch = [
        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
    ];
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &seconds)
        .context("metric buckets")?
        .set_buckets_for_metric(Matcher::Full(WRITER_BATCH.into()), &batch)
        .context("metric buckets")?
        .build_recorder();
    let handle = recorder.handle();
    if ::metrics::set_global_recorder(recorder).is_err() {
        // Another thread won the race; use its recorder.
        return HANDLE
            .get()
            .cloned()
            .context("a metrics recorder was installed by something else");
    }
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by method, route template and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        ::metrics::Unit::Seconds,
        "Time to answer, by method and route template."
    );
    describe_counter!(
        SIGNUPS,
        "Signups accepted, by list and outcome (accepted, bot_field: never whether the address was already known)."
    );
    describe_counter!(
        CONFIRMATIONS,
        "People who confirmed their address, by list."
    );
    describe_gauge!(
        WRITER_QUEUE,
        "Writes waiting for the SQLite writer after its last batch was taken."
    );
    describe_histogram!(
        WRITER_BATCH,
        "Writes committed together in one SQLite transaction."
    );
    describe_counter!(
        DB_ERRORS,
        "Database errors, by backend and kind (overloaded, locked, disk_full, unavailable, internal)."
    );
    describe_gauge!(
        OUTBOX_DEPTH,
        "Mails queued or being sent, read from the database at each scrape."
    );
    describe_counter!(
        MAIL_DELIVERIES,
        "Delivery attempts, by mail kind and outcome (sent, retry, gave_up)."
    );
}

/// Counts a database error by backend and kind.
pub fn database_error(backend: &'static str, error: &crate::store::StoreError) {
    use crate::store::StoreError;
    let kind = match error {
        StoreError::Overloaded => "overloaded",
        StoreError::Locked => "locked",
        StoreError::DiskFull => "disk_full",
        StoreError::Unavailable => "unavailable",
        StoreError::Internal(_) => "internal",
    };
    ::metrics::counter!(DB_ERRORS, "backend" => backend, "kind" => kind).increment(1);
}

#[derive(Clone)]
struct ScrapeState {
    handle: PrometheusHandle,
    store: Arc<dyn Store>,
}

/// The metrics listener: `GET /metrics` in the Prometheus text format, nothing else.
pub struct MetricsServer {
    listener: TcpListener,
    state: ScrapeState,
}

impl MetricsServer {
    /// Binds `addr` (so that a port in use stops the start) and installs the recorder.
    pub async fn bind(addr: SocketAddr, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let handle = install()?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("QUIETLIST_METRICS_LISTEN: listening on {addr}"))?;
        Ok(Self {
            listener,
            state: ScrapeState { handle, store },
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves scrapes until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let app = Router::new()
            .route("/metrics", get(scrape))
            .with_state(self.state);
        let stop = async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(self.listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    }
}

async fn scrape(State(state): State<ScrapeState>) -> impl IntoResponse {
    match state.store.outbox_depth().await {
        Ok(depth) => ::metrics::gauge!(OUTBOX_DEPTH).set(depth as f64),
        Err(e) => tracing::warn!(error = %e, "metrics: could not count the outbox"),
    }
    state.handle.run_upkeep();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.handle.render(),
    )
}
