//! `Application::build` wires everything and binds the port; `run_until_stopped` serves
//! until SIGINT/SIGTERM (or the given signal), then drains.

use std::future::Future;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::sync::Arc;

use anyhow::Context;
use arc_swap::ArcSwap;
use lettre::message::Mailbox;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::admin::{MailOut, OwnerActions, Owners, Passwords, RunSettings, seed_cohorts};
use crate::config::{Config, host_of};
use crate::http::privacy::PromiseFacts;
use crate::http::rate_limit::RateLimiter;
use crate::http::{AppContext, AppState, router};
use crate::mail::{AnnouncementDispatcher, MailSettings, OutboxWorker, Transport};
use crate::metrics::MetricsServer;
use crate::privacy::{Vault, keys};
use crate::publish::reload::{SiteStatus, Watch};
use crate::publish::{PublishOptions, Published, Site, SiteFiles};
use crate::store::Store;
use crate::store::{DAY, HOUR, RetentionPolicy, RetentionReport};
use crate::waitlist::IpRecording;
use crate::waitlist::{WaitlistPolicy, Waitlists};

/// How often a site folder is checked for changes.
const SITE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

pub struct Application {
    config: Config,
    site: Arc<ArcSwap<Published>>,
    listener: TcpListener,
    local_addr: SocketAddr,
    base_url: String,
    state: AppState,
    worker: OutboxWorker,
    dispatcher: AnnouncementDispatcher,
    webhooks: crate::webhooks::WebhookWorker,
    store: Arc<dyn Store>,
    metrics: Option<MetricsServer>,
    /// The site folder as it was before the site was first built.
    site_built_from: crate::publish::reload::Fingerprint,
    site_status: Arc<SiteStatus>,
}

/// The parts every command needs: the data directory, the key, the store, the site.
pub struct Core {
    pub vault: Arc<Vault>,
    store: Arc<dyn Store>,
    pub site: Arc<ArcSwap<Published>>,
}

impl Core {
    /// Opens the data directory: refuses a key other than the one the database was
    /// written with (see `keys::check`).
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&config.data_dir)
            .with_context(|| {
                format!("creating the data directory {}", config.data_dir.display())
            })?;
        let store = crate::store::open(&config.database, &config.data_dir).await?;
        let key = keys::load_or_create(
            config.secret_key.as_ref().map(|k| k.expose_secret()),
            &config.data_dir,
        )?;
        keys::check(store.as_ref(), &key, &config.data_dir).await?;
        let vault = Arc::new(Vault::new(&key.key)?);
        // Before the port is bound, the origin's port may not be known yet (port 0):
        // `Application::build` publishes again with the bound one.
        let published = load_site(config, &public_origin(config, config.listen))?;
        Ok(Self {
            vault,
            store,
            site: Arc::new(ArcSwap::from_pointee(published)),
        })
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The waitlist use cases, for commands run outside the server (mail they queue is
    /// sent by the running server's outbox).
    pub fn waitlists(&self, config: &Config) -> Waitlists {
        Waitlists {
            store: self.store(),
            vault: self.vault.clone(),
            site: self.site.clone(),
            mail_wake: Arc::new(Notify::new()),
            policy: policy(config),
            readiness: Default::default(),
        }
    }

    /// The owner's use cases, for commands run outside the server.
    pub fn owner_actions(&self, config: &Config) -> OwnerActions {
        OwnerActions::new(self.waitlists(config)).with_runs(RunSettings {
            rate: config.send_rate,
            wake: Default::default(),
        })
    }

    /// Owner accounts, for `quietlist admin ...`.
    pub fn owners(&self, config: &Config) -> anyhow::Result<Owners> {
        Ok(Owners {
            store: self.store(),
            vault: self.vault.clone(),
            passwords: Passwords::new()?,
            session_idle: config.session_idle,
            session_absolute: config.session_absolute,
            in_flight: Default::default(),
        })
    }
}

/// Loads and renders the site folder (or the demo) for the public origin `base_url`.
pub fn load_site(config: &Config, base_url: &str) -> anyhow::Result<Published> {
    let files = match &config.site_dir {
        Some(dir) => SiteFiles::read_dir(dir)?,
        None => SiteFiles::demo(),
    };
    let site = Site::load(&files).with_context(|| format!("loading {}", files.origin))?;
    let options = PublishOptions {
        base_url: base_url.to_owned(),
    };
    Published::build(site, &options).with_context(|| format!("rendering {}", files.origin))
}

/// Tells the owner where each draft can be read: its preview address (the log is the
/// owner's; readers never see these).
fn log_draft_previews(published: &Published, vault: &Vault, base_url: &str) {
    for path in published.draft_paths() {
        tracing::info!(
            page = %path,
            preview = %preview_url(vault, base_url, path),
            "a draft: not published; readable at its preview address"
        );
    }
}

/// The secret address at which the draft at `path` can be read.
pub fn preview_url(vault: &Vault, base_url: &str, path: &str) -> String {
    format!(
        "{}/preview/{}{path}",
        base_url.trim_end_matches('/'),
        vault.preview_token(path)
    )
}

/// The public origin of links in pages and mail: `QUIETLIST_BASE_URL`, or in
/// development `http://` and the address the server listens on.
pub fn public_origin(config: &Config, listening_on: SocketAddr) -> String {
    config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{listening_on}"))
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // Before the first build: an edit made while it runs is then a change to the
        // watcher, not part of what it believes is served.
        let site_built_from = config
            .site_dir
            .as_deref()
            .map(crate::publish::reload::fingerprint)
            .unwrap_or_default();
        let core = Core::open(&config).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        let local_addr = listener.local_addr()?;
        let metrics = match config.metrics_listen {
            Some(addr) if addr == local_addr => anyhow::bail!(
                "QUIETLIST_METRICS_LISTEN must differ from QUIETLIST_LISTEN: metrics are never \
                 served on the public port"
            ),
            Some(addr) => Some(MetricsServer::bind(addr, core.store()).await?),
            None => None,
        };
        let base_url = public_origin(&config, local_addr);
        if base_url != public_origin(&config, config.listen) {
            // Port 0 was asked for: absolute URLs in pages need the port we got.
            core.site.store(Arc::new(load_site(&config, &base_url)?));
        }
        // https decides transport matters only (HSTS, `__Host-` cookies). Development (a
        // loopback origin, or --dev) decides whether a broken edit shows in the browser:
        // plain http alone does not mean that only the author is looking.
        let https = base_url.starts_with("https://");
        let site_status = Arc::new(SiteStatus::new(config.development(&base_url)));
        log_draft_previews(&core.site.load(), &core.vault, &base_url);

        let transport = match &config.smtp_url {
            Some(url) => Transport::smtp(url, config.smtp_connections)?,
            None => {
                let dir = config.data_dir.join("dev-mailbox");
                tracing::warn!(
                    folder = %dir.display(),
                    "QUIETLIST_SMTP_URL is not set: mail is NOT sent. It is kept in the \
                     development mailbox (recipients replaced by subscriber ids) and its links \
                     are printed in this log."
                );
                Transport::dev_mailbox(dir)?
            }
        };
        let mail_out = MailOut {
            transport: Arc::new(transport),
            settings: Arc::new(mail_settings(&config, &base_url)?),
        };

        let store = core.store();
        seed_cohorts(store.as_ref(), &core.site.load()).await?;
        let store_for_owners = store.clone();
        let views = Arc::new(crate::http::views::PageViews::default());
        let mail_wake = Arc::new(Notify::new());
        let waitlists = Waitlists {
            store: store.clone(),
            vault: core.vault.clone(),
            site: core.site.clone(),
            mail_wake: mail_wake.clone(),
            policy: policy(&config),
            readiness: Default::default(),
        };
        let dispatch_wake = Arc::new(Notify::new());
        let dispatcher = AnnouncementDispatcher {
            store: store.clone(),
            vault: core.vault.clone(),
            site: core.site.clone(),
            wake: dispatch_wake.clone(),
            mail_wake: mail_wake.clone(),
            rate: config.send_rate,
            cap: config.mail_cap.clamp(1, crate::config::MAX_MAIL_CAP),
            cap_window: config.mail_cap_window,
            manage_link_ttl: config.manage_link_ttl,
        };
        let worker = OutboxWorker {
            store,
            site: core.site.clone(),
            vault: core.vault.clone(),
            transport: mail_out.transport.clone(),
            settings: mail_out.settings.clone(),
            wake: mail_wake,
            concurrency: config.smtp_connections.max(1) as usize * 2,
            paused: !config.send_mail,
            cap: config.mail_cap.clamp(1, crate::config::MAX_MAIL_CAP),
            cap_window: config.mail_cap_window,
            confirmation_interval: config.confirmation_interval,
            retry_after_first_failure: config.mail_retry_base,
            lease_ms: config.mail_lease,
        };
        if !config.send_mail {
            tracing::warn!(
                "QUIETLIST_SEND_MAIL=off: mail stays queued in the outbox until it is turned on"
            );
        }
        if config.unsafe_ack_before_commit {
            tracing::error!(
                "QUIETLIST_TEST_ONLY_ACK_BEFORE_COMMIT=1: signups are acknowledged BEFORE they are saved (crash-test negative control)"
            );
        }
        let state = Arc::new(AppContext {
            answer_floor: config.answer_floor,
            request_timeout: config.request_timeout,
            site: core.site.clone(),
            owner_actions: OwnerActions::new(waitlists.clone()).with_runs(RunSettings {
                rate: config.send_rate,
                wake: dispatch_wake,
            }),
            mail_out,
            waitlists,
            https,
            site_status: site_status.clone(),
            trust_proxy: config.trust_proxy,
            limiter: config
                .rate_limit
                .then(|| Arc::new(RateLimiter::new(&config.limits))),
            guard: Arc::new(
                crate::abuse::SignupGuard::new(&config.abuse, core.vault.abuse_keys())
                    .context("loading the throwaway-domain list")?,
            ),
            views: views.clone(),
            owners: Owners {
                store: store_for_owners.clone(),
                vault: core.vault.clone(),
                passwords: Passwords::new()?,
                session_idle: config.session_idle,
                session_absolute: config.session_absolute,
                in_flight: Default::default(),
            },
            promise: PromiseFacts {
                confirmation_hours: config.confirmation_interval / HOUR,
                mail_cap: config.mail_cap.clamp(1, crate::config::MAX_MAIL_CAP),
                ip_note: match config.client_ip {
                    IpRecording::Truncated => crate::i18n::msg("privacy-ip-truncated"),
                    IpRecording::Full => crate::i18n::msg("privacy-ip-full"),
                    IpRecording::None => crate::i18n::msg("privacy-ip-none"),
                },
                pending_days: config.retention.pending / DAY,
                mail_days: config.retention.mail_history / DAY,
                consent_days: config.retention.consent_after_erasure / DAY,
            },
        });
        let webhooks = crate::webhooks::WebhookWorker {
            store: core.store.clone(),
            vault: core.vault.clone(),
            retry_after_first_failure: config.webhook_retry_base,
            lease_ms: config.mail_lease,
        };
        Ok(Self {
            site: core.site.clone(),
            config,
            listener,
            local_addr,
            base_url,
            state,
            worker,
            dispatcher,
            webhooks,
            store: core.store,
            metrics,
            site_built_from,
            site_status,
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where `/metrics` is served, when it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|m| m.local_addr().ok())
    }

    /// Serves until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then stops taking requests, lets the ones in flight
    /// finish, and stops the outbox worker.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let metrics_addr = self.metrics_addr();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let worker = tokio::spawn(self.worker.run(shutdown_rx.clone()));
        let dispatcher = tokio::spawn(self.dispatcher.run(shutdown_rx.clone()));
        let webhooks = tokio::spawn(self.webhooks.run(shutdown_rx.clone()));
        tokio::spawn(flush_page_views(
            self.state.views.clone(),
            self.store.clone(),
            shutdown_rx.clone(),
        ));
        tokio::spawn(retention_job(
            self.store.clone(),
            self.site.clone(),
            self.config.retention.clone(),
            shutdown_rx.clone(),
        ));
        if let Some(dir) = self.config.site_dir.clone() {
            let config = self.config.clone();
            let base_url = self.base_url.clone();
            let actions = self.state.owner_actions.clone();
            let folder = dir.display().to_string();
            let audit = move || {
                let (actions, folder) = (actions.clone(), folder.clone());
                tokio::spawn(async move {
                    if let Err(e) = actions.site_republished(folder).await {
                        tracing::warn!(error = %e, "could not audit a site change");
                    }
                });
            };
            let vault = self.state.waitlists.vault.clone();
            let load = move || {
                let published = load_site(&config, &base_url)?;
                log_draft_previews(&published, &vault, &base_url);
                Ok(published)
            };
            tokio::spawn(crate::publish::reload::watch_site(
                Watch {
                    site_dir: dir,
                    built_from: self.site_built_from,
                    every: SITE_POLL,
                },
                self.site.clone(),
                self.site_status.clone(),
                load,
                audit,
                shutdown_rx,
            ));
        }
        let mut app = router(self.state);
        if let Some(metrics) = self.metrics {
            app = app.layer(axum::middleware::from_fn(
                crate::http::request_metrics::track,
            ));
            tokio::spawn(metrics.run(shutdown_tx.subscribe()));
        }
        let metrics_shown = metrics_addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "off".into());
        tracing::info!(address = %self.local_addr, base_url = %self.base_url, metrics = %metrics_shown, "quietlist is serving");
        let limits = crate::http::server::ConnectionLimits {
            max_connections: self.config.max_connections,
            header_read_timeout: self.config.header_read_timeout,
            write_timeout: self.config.write_timeout,
        };
        crate::http::server::serve(self.listener, app, stop, limits).await;
        let _ = shutdown_tx.send(true);
        let _ = worker.await;
        let _ = dispatcher.await;
        let _ = webhooks.await;
        tracing::info!("quietlist stopped");
        Ok(())
    }
}

fn policy(config: &Config) -> WaitlistPolicy {
    WaitlistPolicy {
        confirmation_interval: config.confirmation_interval,
        confirm_link_ttl: config.confirm_link_ttl,
        manage_link_ttl: config.manage_link_ttl,
        referral_boost: config.referral_boost,
        invite_ttl: config.invite_ttl,
        mail_cap: config.mail_cap.clamp(1, crate::config::MAX_MAIL_CAP),
        mail_cap_window: config.mail_cap_window,
        ip_recording: config.client_ip,
        unsafe_ack_before_commit: config.unsafe_ack_before_commit,
    }
}

/// Adds the page views counted in memory to the day's figures every few seconds.
async fn flush_page_views(
    views: Arc<crate::http::views::PageViews>,
    store: Arc<dyn Store>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => false,
            _ = shutdown.changed() => true,
        };
        let stats = views.take(crate::store::now_millis());
        if !stats.is_empty()
            && let Err(e) = store.add_daily(stats).await
        {
            tracing::warn!(error = %e, "could not save page views");
        }
        if stop {
            return;
        }
    }
}

/// Deletes what has outlived its retention period, at start and then periodically.
async fn retention_job(
    store: Arc<dyn Store>,
    site: Arc<ArcSwap<Published>>,
    settings: crate::config::RetentionSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let policy = RetentionPolicy {
            now: crate::store::now_millis(),
            pending: settings.pending,
            // Never shorter than the cap's window, which counts the mails kept here.
            mail_history: settings.mail_history.max(30 * DAY),
            consent_after_erasure: settings.consent_after_erasure,
            expired_links: settings.expired_links,
            lists: site.load().site.waitlists.keys().cloned().collect(),
        };
        match store.expire_invitations(policy.now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "invitations expired; their seats are free"),
            Err(e) => tracing::warn!(error = %e, "could not expire invitations"),
        }
        match store.apply_retention(policy).await {
            Ok(report) if report != RetentionReport::default() => tracing::info!(
                pending = report.pending_deleted,
                mails = report.mails_deleted,
                consents = report.consents_deleted,
                links = report.links_deleted,
                "retention: deleted what outlived its period"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention job failed; will run again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// A domain for Message-IDs and the default From: the base URL's host, or `localhost`
/// when that is an IP address (which mail addresses cannot use bare).
/// What every mail needs (From, List-Id domain, DKIM, the cap), from the settings and the
/// public origin: the server's outbox and `quietlist announce --test-to` build it alike.
pub fn mail_settings(config: &Config, base_url: &str) -> anyhow::Result<MailSettings> {
    let mail_domain = mail_domain(base_url);
    let from: Mailbox = match &config.mail_from {
        Some(from) => from
            .parse()
            .with_context(|| format!("QUIETLIST_MAIL_FROM {from:?} is not a valid mailbox"))?,
        None => format!("waitlist@{mail_domain}").parse().with_context(|| {
            format!("no valid default From for {base_url}; set QUIETLIST_MAIL_FROM")
        })?,
    };
    let dkim = config
        .dkim
        .as_ref()
        .map(|settings| crate::mail::compose::dkim_config(settings, &from))
        .transpose()?;
    Ok(MailSettings {
        base_url: base_url.to_owned(),
        from,
        message_id_domain: mail_domain,
        dkim,
        cap: config.mail_cap.clamp(1, crate::config::MAX_MAIL_CAP),
        referral_boost: u32::try_from(config.referral_boost.max(0)).unwrap_or(u32::MAX),
        pending_days: config.retention.pending / crate::store::DAY,
    })
}

fn mail_domain(base_url: &str) -> String {
    let host = host_of(base_url);
    if host.parse::<std::net::IpAddr>().is_ok() || host.is_empty() {
        "localhost".to_owned()
    } else {
        host.to_owned()
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
