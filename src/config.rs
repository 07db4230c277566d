//! Settings, validated once into a typed `Config`. Sources: defaults < `QUIETLIST_*`
//! environment < command-line flags (clap handles the layering; see `cli.rs`).

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;

use crate::store::DatabaseSettings;
use crate::store::{DAY, HOUR, Millis};
use crate::waitlist::IpRecording;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where Prometheus metrics are served (`/metrics`); `None`: no metrics. Never the
    /// public listener.
    pub metrics_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    /// The public origin used in mail links; `None` means `http://` + the bound address.
    pub base_url: Option<String>,
    /// Development asked for (`serve --dev`, `QUIETLIST_DEV=1`): a broken site edit shows
    /// its problems, with file paths, in the browser. Also on when the base URL's host is
    /// loopback (see [`Config::development`]), never merely because it is not https.
    pub dev: bool,
    /// `None` keeps mail in the development mailbox.
    pub smtp_url: Option<SecretString>,
    pub smtp_connections: u32,
    /// The From of every mail; defaults to `waitlist@` the base URL's host.
    pub mail_from: Option<String>,
    /// `None` serves the demo site compiled into the binary.
    pub site_dir: Option<PathBuf>,
    /// `None` reads or creates `secret.key` in the data directory.
    pub secret_key: Option<SecretString>,
    /// The backend (by URL) and each backend's own settings.
    pub database: DatabaseSettings,
    pub rate_limit: bool,
    /// Every entry point's per-network limits and per-node ceiling.
    pub limits: crate::abuse::limits::Limits,
    /// Form stamps, proof of work, throwaway domains.
    pub abuse: crate::abuse::AbuseSettings,
    /// Believe `X-Forwarded-For` from a reverse proxy in front of quietlist.
    pub trust_proxy: bool,
    /// `false` keeps mail queued without sending it (SMTP maintenance, benchmarks).
    pub send_mail: bool,
    pub client_ip: IpRecording,
    pub confirmation_interval: Millis,
    pub confirm_link_ttl: Millis,
    /// How long a link to manage one's data works.
    pub manage_link_ttl: Millis,
    /// At most this many mails to one person in `mail_cap_window` (1 to 4; never off).
    pub mail_cap: u32,
    pub mail_cap_window: Millis,
    pub retention: RetentionSettings,
    /// Places a referrer moves up for each referred person who confirms (0: off).
    pub referral_boost: i64,
    /// How long an invitation can be answered.
    pub invite_ttl: Millis,
    /// Owner sessions end after this long unused, and after `session_absolute` in any case.
    pub session_idle: Millis,
    pub session_absolute: Millis,
    /// DKIM signing, when a key and a selector are given.
    pub dkim: Option<DkimSettings>,
    /// Answers to requests that name an address leave no sooner than this after the
    /// request arrived (see `http::AppContext::answer_floor`).
    pub answer_floor: std::time::Duration,
    /// A request still running after this is answered 503 (30 s).
    pub request_timeout: std::time::Duration,
    /// The wait before the first retry of a failed mail; it doubles with each attempt,
    /// up to 6 hours. 30 s; tests shorten it.
    pub mail_retry_base: Millis,
    /// The first wait before a failed webhook delivery goes again (`QUIETLIST_WEBHOOK_BACKOFF_MS`).
    pub webhook_retry_base: Millis,
    /// A claimed mail not reported within this time is claimed again by any node.
    pub mail_lease: Millis,
    /// Announcement mails per second (`QUIETLIST_SEND_RATE`).
    pub send_rate: crate::mail::SendRate,
    /// Test-only negative control for the crash test: answer signups before they are
    /// committed. Honoured only in debug builds; a release build ignores it.
    pub unsafe_ack_before_commit: bool,
    /// Connections served at once; one more is closed at once until another ends.
    pub max_connections: usize,
    /// A client must send a request's headers within this time (slowloris).
    pub header_read_timeout: std::time::Duration,
    /// A write that makes no progress for this long (a client that never reads its
    /// answer) ends the connection.
    pub write_timeout: std::time::Duration,
}

impl Config {
    /// Development, for a server whose public origin is `base_url`: asked for, or a
    /// loopback origin. Decides whether a broken site edit is shown in the browser.
    pub fn development(&self, base_url: &str) -> bool {
        self.dev || is_loopback_origin(base_url)
    }

    /// Defaults for everything, with the data in `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            data_dir,
            base_url: None,
            smtp_url: None,
            smtp_connections: 4,
            mail_from: None,
            site_dir: None,
            secret_key: None,
            database: DatabaseSettings::default(),
            rate_limit: true,
            limits: crate::abuse::limits::Limits::default(),
            abuse: crate::abuse::AbuseSettings::default(),
            trust_proxy: false,
            send_mail: true,
            client_ip: IpRecording::Truncated,
            confirmation_interval: DAY,
            confirm_link_ttl: crate::publish::CONFIRM_HOURS * HOUR,
            manage_link_ttl: 30 * DAY,
            mail_cap: MAX_MAIL_CAP,
            mail_cap_window: 30 * DAY,
            retention: RetentionSettings::default(),
            referral_boost: 5,
            invite_ttl: 7 * DAY,
            session_idle: 30 * 60 * 1000,
            session_absolute: 12 * HOUR,
            dkim: None,
            mail_retry_base: 30 * crate::store::SECOND,
            webhook_retry_base: 30 * crate::store::SECOND,
            mail_lease: 120 * crate::store::SECOND,
            send_rate: crate::mail::SendRate::DEFAULT,
            answer_floor: std::time::Duration::from_millis(ANSWER_FLOOR_MS),
            request_timeout: std::time::Duration::from_secs(30),
            dev: false,
            unsafe_ack_before_commit: false,
            max_connections: 10_000,
            header_read_timeout: std::time::Duration::from_secs(20),
            write_timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl Config {
    /// Whether `QUIETLIST_DATABASE_URL` names a backend quietlist can open (nothing is
    /// opened; the message never holds the URL, which may hold a password).
    pub fn check_database_url(&self) -> Result<(), String> {
        use secrecy::ExposeSecret;
        crate::store::DatabaseUrl::parse(
            self.database.url.as_ref().map(|u| u.expose_secret()),
            &self.data_dir,
        )
        .map(|_| ())
    }
}

/// The default answer floor: above what a signup's work and commit take on a small
/// machine (bench/RESULTS.md), so that every answer leaves at the floor.
pub const ANSWER_FLOOR_MS: u64 = 6;

/// The promise's cap on mails per person in 30 days: it may be lowered, never raised.
pub const MAX_MAIL_CAP: u32 = 4;

/// How long data is kept, and how often the retention job runs.
#[derive(Debug, Clone)]
pub struct RetentionSettings {
    /// Unconfirmed signups (at most 7 days).
    pub pending: Millis,
    /// Records of sent mail (at least the cap's 30 days).
    pub mail_history: Millis,
    /// Consent records of people who were erased.
    pub consent_after_erasure: Millis,
    /// Expired links, and mails that were never sent, are deleted this long after.
    pub expired_links: Millis,
    pub every: std::time::Duration,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            pending: 7 * DAY,
            mail_history: 90 * DAY,
            consent_after_erasure: 3 * 365 * DAY,
            expired_links: 7 * DAY,
            every: std::time::Duration::from_secs(3600),
        }
    }
}

/// A DKIM key (PEM, RSA or Ed25519) and its DNS selector.
#[derive(Clone)]
pub struct DkimSettings {
    pub key_pem: SecretString,
    pub selector: String,
}

impl std::fmt::Debug for DkimSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DkimSettings {{ selector: {:?}, key: <secret> }}",
            self.selector
        )
    }
}

/// Checks a base URL and returns it without a trailing slash.
/// Whether a base URL's host is this machine only: `localhost`, 127.0.0.0/8 or ::1. Only
/// such an origin, or an explicit `--dev`, means development: plain http alone does not
/// (an intranet site, or a proxy that forwards http, is still seen by other people).
pub fn is_loopback_origin(base_url: &str) -> bool {
    let host = host_of(base_url).trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub fn parse_base_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("{raw:?} must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(format!(
            "{raw:?} must be an origin such as https://example.org (no path)"
        ));
    }
    Ok(trimmed.to_owned())
}

/// The host part of a base URL (for Message-IDs and the default From).
pub fn host_of(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url);
    let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    if host.starts_with('[') {
        return host
            .split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_origins() {
        assert_eq!(
            parse_base_url("https://example.org/").unwrap(),
            "https://example.org"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_base_url("example.org").is_err());
        assert!(parse_base_url("https://example.org/path").is_err());
    }

    #[test]
    fn only_loopback_origins_are_development() {
        for dev in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:8080",
            "https://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(is_loopback_origin(dev), "{dev}");
        }
        for public in [
            "http://example.test",
            "http://intranet:8080",
            "http://10.0.0.5:8080",
            "http://0.0.0.0:8080",
            "http://[::]:8080",
            "http://localhost.example.org",
            "http://127.0.0.1.example.org",
            "https://reports.example.org",
        ] {
            assert!(!is_loopback_origin(public), "{public}");
        }
    }

    #[test]
    fn hosts_are_taken_from_base_urls() {
        assert_eq!(host_of("https://example.org"), "example.org");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("http://[::1]:8080"), "::1");
    }
}
