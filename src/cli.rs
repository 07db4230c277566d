//! The command line: `serve`, `export`...

mod api_key;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::admin::announce::{describe as describe_announcement, timestamp as announce_timestamp};
use crate::admin::announcement_runs::describe_progress;
use crate::admin::{
    AnnouncementAudience, InviteRound, OwnerActions, RunAction, RunProgress, RunState, TestCopy,
};
use crate::config::{Config, DkimSettings, parse_base_url};
use crate::domain::{EmailAddress, Role};
use crate::mail::{SendRate, Transport};
use crate::privacy::audit::{Actor, ExportTarget};
use crate::publish::announcement::Announcement;
use crate::startup::{Application, Core, mail_settings};
use crate::store::sqlite::Durability;
use crate::store::{DAY, HOUR};
use crate::waitlist::export::{ExportFormat, timestamp};
use crate::waitlist::import::ImportOptions;
use crate::waitlist::{Invited, IpRecording};

mod backup;
mod check;
mod config_check;
mod new;
mod preview;
mod progress;
mod webhook;

#[derive(Debug, Parser)]
#[command(
    name = "quietlist",
    version,
    about = "A publishing and waitlist server that keeps its promise: no spam, never sold.",
    long_about = "quietlist serves reports and course pages written in Markdown, with a waitlist \
form on them, double opt-in over SMTP, and the privacy promise enforced in code.\n\n\
Every flag can also be set with the QUIETLIST_* environment variable shown beside it. \
QUIETLIST_SECRET_KEY (64 hex digits) can only be set in the environment; without it, \
the key is read from (or created in) <data-dir>/secret.key."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Folder for the SQLite database, the secret key and the development mailbox.
    #[arg(
        long,
        global = true,
        env = "QUIETLIST_DATA_DIR",
        default_value = "./quietlist-data"
    )]
    pub data_dir: PathBuf,

    /// Folder with site.toml, reports/, courses/, templates/ and static/ (replaces the
    /// built-in demo site).
    #[arg(long, global = true, env = "QUIETLIST_SITE_DIR")]
    pub site_dir: Option<PathBuf>,

    /// The database: unset means SQLite in the data directory; `sqlite:///path/file`
    /// or `postgres://user:pass@host:5432/db?sslmode=require` (shared by any number of
    /// nodes). Read by every command.
    #[arg(
        long,
        global = true,
        env = "QUIETLIST_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Connections each node keeps to PostgreSQL.
    #[arg(long, global = true, env = "QUIETLIST_DATABASE_POOL", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: u32,

    /// At most this many mails to one person in any 30 days (1 to 4; the cap cannot be
    /// turned off). Read by every command, so that `invite` holds the same cap as `serve`.
    #[arg(long, global = true, env = "QUIETLIST_MAIL_CAP", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=4))]
    pub mail_cap: u32,

    /// Announcement mails per second (decimals allowed, such as 0.5). Read by every
    /// command, so that `announcements ... resume` spaces the mails as `serve` does.
    #[arg(long, global = true, env = "QUIETLIST_SEND_RATE", default_value = "10",
          value_parser = SendRate::parse)]
    pub send_rate: SendRate,

    /// Days an invitation can be accepted or declined.
    #[arg(long, global = true, env = "QUIETLIST_INVITE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=90))]
    pub invite_days: u32,

    /// Show informational log lines (migrations applied...) on standard error; without
    /// it commands other than `serve` log only warnings and errors. QUIETLIST_LOG (a
    /// tracing filter such as `debug`) overrides both.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Log format.
    #[arg(
        long,
        global = true,
        env = "QUIETLIST_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site and its waitlists.
    Serve(Box<ServeArgs>),
    /// Write a waitlist as CSV to standard output (or --output FILE).
    Export {
        /// The waitlist's name, e.g. pilot-course.
        list: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// One JSON object per person and line instead of CSV (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// Manage owner accounts (the admin area is closed until one exists).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Keys for the API (/api/v1): create (printed once), list, revoke.
    #[command(subcommand)]
    ApiKey(api_key::ApiKeyCommand),
    /// Import people from a CSV file (columns: email, name, the list's fields; with
    /// --with-consent also consent_at, consent_source, consent_text, consent_ip).
    Import {
        list: String,
        file: PathBuf,
        /// The file carries proof of each person's consent: import them as confirmed,
        /// with a consent record, and send no confirmation mail.
        #[arg(long)]
        with_consent: bool,
    },
    /// Invite the next people in line into a cohort (they get a mail with accept and
    /// decline links).
    Invite {
        list: String,
        /// How many.
        #[arg(long)]
        next: u32,
        /// The cohort [default: the list's first].
        #[arg(long)]
        cohort: Option<String>,
        /// Invite that many even if fewer seats are free (acceptances still stop at
        /// capacity).
        #[arg(long)]
        overbook: bool,
        /// Print the report as one JSON object (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// Send an announcement to a list: a Markdown file with TOML front matter (`subject`,
    /// optional `id`) between +++ lines. Each person gets it once, ever, and only within
    /// the mail cap; the running server sends it, at QUIETLIST_SEND_RATE.
    Announce(Box<AnnounceArgs>),
    /// A list's announcements and their progress; or pause, resume, cancel or show one.
    Announcements(AnnouncementsArgs),
    /// Print the audit log: every export, import, admin view of a person, erasure and
    /// setting change.
    Audit {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// DKIM keys: make one, and see the DNS record to publish for it.
    #[command(subcommand)]
    Dkim(DkimCommand),
    /// The database itself: copy it into another one (SQLite to PostgreSQL and back).
    #[command(subcommand)]
    Db(DbCommand),
    /// Webhooks: signed POSTs when people confirm, unsubscribe, are erased, or answer an
    /// invitation.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Write a new page's skeleton into the site folder (--site-dir): reports/SLUG.md or
    /// courses/SLUG.md, as a draft. Never overwrites a file.
    New {
        kind: new::NewKind,
        /// The page's address: lowercase letters, digits and hyphens.
        slug: String,
    },
    /// Check the site folder (--site-dir; without it the built-in demo site): print every
    /// problem as FILE:LINE: message; exit 1 if there is any error.
    Check,
    /// Print the secret address at which a draft can be read, e.g. `preview /reports/SLUG`.
    Preview {
        /// The page's path: /reports/SLUG or /courses/SLUG.
        path: String,
        /// The public origin the address starts with (as `serve --base-url`).
        #[arg(
            long,
            env = "QUIETLIST_BASE_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        base_url: String,
    },
    /// Write a checked copy of the live SQLite database to FILE (the server may be
    /// running), and its MAC to FILE.mac. The copy holds ciphertext only: back the secret
    /// key up separately.
    Backup {
        /// The backup file to write (must not exist).
        file: PathBuf,
    },
    /// Restore a backup into an empty data directory, under the secret key it was made
    /// with (QUIETLIST_SECRET_KEY, or that secret.key placed in the data directory).
    Restore {
        /// The backup file `quietlist backup` wrote (its MAC, FILE.mac, beside it).
        file: PathBuf,
        /// Restore a backup that has no FILE.mac (made before backups were sealed),
        /// taking its contents on trust. A MAC file that is there is checked regardless.
        #[arg(long)]
        trust_unsigned: bool,
    },
    /// The configuration: check it.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check every setting (the same flags and QUIETLIST_* variables as `serve`) and the
    /// site folder, and print the effective configuration with secrets masked. Exits 1
    /// naming each problem.
    Check(Box<ServeArgs>),
}

#[derive(Debug, Args)]
pub struct AnnounceArgs {
    /// The waitlist's name, e.g. pilot-course.
    pub list: String,
    /// The announcement: Markdown with TOML front matter.
    pub file: PathBuf,
    /// Who gets it: confirmed, invited, accepted (comma-separated). Never pending,
    /// unsubscribed or erased people. [default: confirmed; with --cohort, all three]
    #[arg(long)]
    pub to: Option<String>,
    /// Send it at this time (RFC 3339, e.g. 2026-06-01T09:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Only people invited to this cohort (whatever became of the invitation).
    #[arg(long, value_name = "NAME")]
    pub cohort: Option<String>,
    /// Only people whose custom field has this value: FIELD=VALUE.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub where_field: Option<String>,
    /// Print how many would get it and how many would be skipped and why; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send one copy to this address now, and nothing to the list (it counts against no
    /// one's cap). Needs QUIETLIST_SMTP_URL.
    #[arg(long, value_name = "ADDRESS")]
    pub test_to: Option<String>,
    /// For --test-to: as `serve --smtp-url`.
    #[arg(long, env = "QUIETLIST_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// For --test-to: as `serve --base-url`.
    #[arg(long, env = "QUIETLIST_BASE_URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,
    /// For --test-to: as `serve --mail-from`.
    #[arg(long, env = "QUIETLIST_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// For --test-to: as `serve --dkim-key`.
    #[arg(long, env = "QUIETLIST_DKIM_KEY")]
    pub dkim_key: Option<PathBuf>,
    /// For --test-to: as `serve --dkim-selector`.
    #[arg(long, env = "QUIETLIST_DKIM_SELECTOR")]
    pub dkim_selector: Option<String>,
}

#[derive(Debug, Args)]
pub struct AnnouncementsArgs {
    /// The waitlist's name, e.g. pilot-course.
    pub list: String,
    #[command(subcommand)]
    pub action: Option<AnnouncementAction>,
}

#[derive(Debug, Subcommand)]
pub enum AnnouncementAction {
    /// Its figures and what its mails became.
    Show { key: String },
    /// Queue nobody more, and hand none of its queued mails over, until resumed.
    Pause { key: String },
    /// Go on from now, at the sending rate.
    Resume { key: String },
    /// Stop for good: its unsent mails are not sent.
    Cancel { key: String },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every table of the configured database into an empty one, then read both back
    /// and compare row counts and a SHA-256 per table (exits non-zero on any difference).
    /// Stop every node first: what is written during the copy is not in it.
    Copy {
        /// The target: `postgres://user:pass@host:5432/db` or `sqlite:///path/file`. It is
        /// migrated first, and refused if any table holds a row.
        #[arg(long, env = "QUIETLIST_DB_COPY_TO", hide_env_values = true)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DkimCommand {
    /// Write a new private key file (mode 0600) and print the DNS TXT record to publish.
    Keygen {
        /// rsa (2048 bits, verified by every receiver) or ed25519 (RFC 8463, not yet
        /// verified by every receiver).
        #[arg(long, value_enum, default_value = "rsa")]
        algorithm: DkimAlgorithmArg,
        /// The selector: the record is published at <selector>._domainkey.<domain>
        /// [default: ql<year><month>, so that a new key can sit beside the old one].
        #[arg(long)]
        selector: Option<String>,
        /// The From address's domain [default: the domain of QUIETLIST_MAIL_FROM, else
        /// the host of QUIETLIST_BASE_URL].
        #[arg(long)]
        domain: Option<String>,
        /// Where to write the key [default: <data-dir>/dkim-<selector>.key]. An existing
        /// file is never overwritten.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DkimAlgorithmArg {
    Rsa,
    Ed25519,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account (or set its password).
    Add {
        email: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// owner (everything), editor (announcements and invitations; no export, import,
        /// erasure or accounts) or viewer (the dashboard's figures only, no addresses)
        /// [default: owner for a new account; an existing one keeps its role].
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
    },
    /// Change an account's role (owner, editor or viewer); takes effect at once.
    Role {
        email: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Change an owner's password (their sessions end).
    Passwd {
        email: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove an owner.
    Remove { email: String },
    /// List the owners.
    List,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "QUIETLIST_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve Prometheus metrics at /metrics on this address (never the public one), e.g.
    /// 127.0.0.1:9090. Unset: no metrics.
    #[arg(long, env = "QUIETLIST_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Public origin used in links in mail [default: http:// + the listen address].
    #[arg(long, env = "QUIETLIST_BASE_URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,

    /// Development: a broken site edit shows its problems (with file paths) in the
    /// browser. On by itself when the base URL's host is loopback (localhost, 127.0.0.0/8,
    /// ::1); never because the base URL is plain http.
    #[arg(long, env = "QUIETLIST_DEV", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub dev: bool,

    /// SMTP server for mail: smtp://host:port, smtp://user:pass@host:587?tls=required,
    /// smtps://user:pass@host. Unset: mail is kept in the development mailbox in the data
    /// directory and its links are logged.
    #[arg(long, env = "QUIETLIST_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// SMTP connections kept open and reused.
    #[arg(long, env = "QUIETLIST_SMTP_CONNECTIONS", default_value_t = 4)]
    pub smtp_connections: u32,

    /// The first wait (ms) before a failed webhook delivery goes again; each next wait is
    /// four times as long, up to 12 hours, 8 attempts in all.
    #[arg(long, env = "QUIETLIST_WEBHOOK_BACKOFF_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub webhook_backoff_ms: u64,

    /// From address of every mail [default: waitlist@ the base URL's host].
    #[arg(long, env = "QUIETLIST_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// `full`: a 2xx means the signup is on disk (fsync). `normal`: faster, but may lose
    /// the last signups on power loss (not on a crash of quietlist itself).
    #[arg(long, env = "QUIETLIST_DURABILITY", default_value = "full")]
    pub durability: DurabilityArg,

    /// Per-client rate limits (`off` only for benchmarks).
    #[arg(long, env = "QUIETLIST_RATE_LIMIT", default_value = "on")]
    pub rate_limit: OnOff,

    /// Signup limits: `burst=N` and `rate=N/min` per IPv4 address or IPv6 /64,
    /// `wide=N` times that per /24 or /48, `global=N/s` per node [default:
    /// burst=30,rate=60/min,wide=4,global=2000/s].
    #[arg(long, env = "QUIETLIST_LIMIT_SIGNUP", default_value = "")]
    pub limit_signup: String,

    /// Manage-link request limits, same form [default: burst=5,rate=10/hour,wide=4,global=50/s].
    #[arg(long, env = "QUIETLIST_LIMIT_MANAGE", default_value = "")]
    pub limit_manage: String,

    /// Limits on the POSTs behind mail links (confirm, accept, decline, unsubscribe)
    /// [default: burst=20,rate=60/min,wide=4,global=500/s].
    #[arg(long, env = "QUIETLIST_LIMIT_LINK", default_value = "")]
    pub limit_link: String,

    /// Owner sign-in limits [default: burst=10,rate=30/hour,wide=3,global=20/s].
    #[arg(long, env = "QUIETLIST_LIMIT_LOGIN", default_value = "")]
    pub limit_login: String,

    /// Requests per API key [default: burst=60,rate=10/s].
    #[arg(long, env = "QUIETLIST_LIMIT_API", default_value = "")]
    pub limit_api: String,

    /// API requests with a missing, wrong or revoked key, per client address (IPv4
    /// address or IPv6 /64); past it, 429 before any key is looked up [default:
    /// burst=20,rate=30/min].
    #[arg(long, env = "QUIETLIST_LIMIT_API_AUTH", default_value = "")]
    pub limit_api_auth: String,

    /// A signup form posted sooner than this many seconds after it was served is
    /// answered as usual and dropped (0 turns the check off; 0 to 60).
    #[arg(long, env = "QUIETLIST_FORM_MIN_SECONDS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=60))]
    pub form_min_seconds: u32,

    /// `on` asks every signup for a solved proof-of-work challenge (during an attack).
    #[arg(long, env = "QUIETLIST_POW", default_value = "off")]
    pub pow: OnOff,

    /// The proof of work's largest number (work per signup; 1,000 to 10,000,000).
    #[arg(long, env = "QUIETLIST_POW_MAX_NUMBER", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1_000..=10_000_000))]
    pub pow_max_number: u64,

    /// A file of throwaway-mail domains (one a line) replacing the bundled list.
    #[arg(long, env = "QUIETLIST_DISPOSABLE_DOMAINS_FILE")]
    pub disposable_domains_file: Option<PathBuf>,

    /// Domains to refuse besides the list (comma-separated).
    #[arg(long, env = "QUIETLIST_DISPOSABLE_BLOCK", value_delimiter = ',')]
    pub disposable_block: Vec<String>,

    /// Domains to accept even though the list names them (comma-separated).
    #[arg(long, env = "QUIETLIST_DISPOSABLE_ALLOW", value_delimiter = ',')]
    pub disposable_allow: Vec<String>,

    /// Behind a reverse proxy: take the client's address from the last hop of
    /// X-Forwarded-For. Only turn on when every request comes through the proxy.
    #[arg(long, env = "QUIETLIST_TRUST_PROXY", default_value = "off")]
    pub trust_proxy: OnOff,

    /// Connections served at once; past this, a new connection is closed at once until
    /// another ends.
    #[arg(long, env = "QUIETLIST_MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// `off` keeps mail queued in the outbox without sending it (for SMTP maintenance);
    /// `on` sends what has queued.
    #[arg(long, env = "QUIETLIST_SEND_MAIL", default_value = "on")]
    pub send_mail: OnOff,

    /// A request still running after this many seconds is answered 503 (1 to 300).
    #[arg(long, env = "QUIETLIST_REQUEST_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=300))]
    pub request_timeout_seconds: u32,

    /// A mail a node claimed and did not report within this many seconds is sent by any
    /// node (one that died mid-send leaves its claimed mail to the others) (5 to 3600).
    #[arg(long, env = "QUIETLIST_MAIL_LEASE_SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(5..=3600))]
    pub mail_lease_seconds: u32,

    /// At most one confirmation mail per address in this many hours (24 to 720).
    #[arg(long, env = "QUIETLIST_CONFIRMATION_INTERVAL_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(24..=720))]
    pub confirmation_interval_hours: u32,

    /// Unconfirmed signups are deleted after this many days (1 to 7).
    #[arg(long, env = "QUIETLIST_RETENTION_PENDING_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=7))]
    pub retention_pending_days: u32,

    /// Records of sent mail are deleted after this many days (30 to 3650).
    #[arg(long, env = "QUIETLIST_RETENTION_MAIL_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(30..=3650))]
    pub retention_mail_days: u32,

    /// Consent records of erased people are deleted after this many days (0 to 3650).
    #[arg(long, env = "QUIETLIST_RETENTION_CONSENT_DAYS", default_value_t = 1095,
          value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub retention_consent_days: u32,

    /// Places in line a person moves up for each person they referred who confirms
    /// (0 turns referrals off).
    #[arg(long, env = "QUIETLIST_REFERRAL_BOOST", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub referral_boost: u32,

    /// DKIM private key (a PEM file, RSA or Ed25519); with --dkim-selector, every mail
    /// is signed, the List-Unsubscribe headers included.
    #[arg(long, env = "QUIETLIST_DKIM_KEY")]
    pub dkim_key: Option<PathBuf>,

    /// The DKIM selector published in DNS (<selector>._domainkey.<From domain>).
    #[arg(long, env = "QUIETLIST_DKIM_SELECTOR")]
    pub dkim_selector: Option<String>,

    /// How a client's address is kept in consent records: truncated to /24 or /48
    /// (default), full, or none.
    #[arg(long, env = "QUIETLIST_CLIENT_IP", default_value = "truncated")]
    pub client_ip: ClientIpArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DurabilityArg {
    Full,
    Normal,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientIpArg {
    Truncated,
    Full,
    None,
}

impl ServeArgs {
    /// The `QUIETLIST_LIMIT_*` settings over the defaults; a bad one stops the start
    /// with its name.
    fn apply_limits(&self, config: &mut Config) -> anyhow::Result<()> {
        use crate::abuse::limits::EntryPoint;
        let settings = [
            (
                EntryPoint::Signup,
                "QUIETLIST_LIMIT_SIGNUP",
                &self.limit_signup,
            ),
            (
                EntryPoint::Manage,
                "QUIETLIST_LIMIT_MANAGE",
                &self.limit_manage,
            ),
            (EntryPoint::Link, "QUIETLIST_LIMIT_LINK", &self.limit_link),
            (
                EntryPoint::Login,
                "QUIETLIST_LIMIT_LOGIN",
                &self.limit_login,
            ),
        ];
        config.limits.api =
            crate::abuse::limits::parse_api_rate(config.limits.api, &self.limit_api)
                .map_err(|problem| anyhow::anyhow!("QUIETLIST_LIMIT_API: {problem}"))?;
        config.limits.api_auth =
            crate::abuse::limits::parse_api_rate(config.limits.api_auth, &self.limit_api_auth)
                .map_err(|problem| anyhow::anyhow!("QUIETLIST_LIMIT_API_AUTH: {problem}"))?;
        for (entry, name, setting) in settings {
            let budget = config.limits.budget_mut(entry);
            *budget = budget
                .parse_over(setting)
                .map_err(|problem| anyhow::anyhow!("{name}: {problem}"))?;
        }
        Ok(())
    }
}

impl Cli {
    /// The log filter unless QUIETLIST_LOG says otherwise: `serve` keeps its logs; other
    /// commands print their output without INFO lines mixed in, unless -v.
    pub fn default_log_filter(&self) -> &'static str {
        if self.common.verbose || matches!(self.command, Command::Serve(_)) {
            crate::telemetry::DEFAULT_FILTER
        } else {
            crate::telemetry::QUIET_FILTER
        }
    }

    fn config(&self, serve: Option<&ServeArgs>) -> anyhow::Result<Config> {
        let mut config = Config::new(self.common.data_dir.clone());
        config.site_dir = self.common.site_dir.clone();
        config.database.url = self
            .common
            .database_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .map(SecretString::from);
        config.database.postgres.pool_size = self.common.database_pool as usize;
        config.mail_cap = self.common.mail_cap;
        config.send_rate = self.common.send_rate;
        config.invite_ttl = i64::from(self.common.invite_days) * DAY;
        config.secret_key = std::env::var("QUIETLIST_SECRET_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(SecretString::from);
        if let Some(s) = serve {
            config.listen = s.listen;
            config.metrics_listen = s.metrics_listen;
            config.base_url = s.base_url.clone();
            config.dev = s.dev;
            config.smtp_url = s
                .smtp_url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .map(SecretString::from);
            config.smtp_connections = s.smtp_connections;
            config.webhook_retry_base = i64::try_from(s.webhook_backoff_ms).unwrap_or(30_000);
            config.mail_from = s.mail_from.clone();
            config.database.sqlite.durability = match s.durability {
                DurabilityArg::Full => Durability::Full,
                DurabilityArg::Normal => Durability::Normal,
            };
            config.rate_limit = s.rate_limit == OnOff::On;
            s.apply_limits(&mut config)?;
            config.abuse.form_min_seconds = s.form_min_seconds;
            config.abuse.pow = s.pow == OnOff::On;
            config.abuse.pow_max_number = s.pow_max_number;
            config.abuse.disposable_file = s.disposable_domains_file.clone();
            config.abuse.disposable_block = s.disposable_block.clone();
            config.abuse.disposable_allow = s.disposable_allow.clone();
            config.trust_proxy = s.trust_proxy == OnOff::On;
            config.max_connections = s.max_connections as usize;
            config.send_mail = s.send_mail == OnOff::On;
            config.referral_boost = i64::from(s.referral_boost);
            config.confirmation_interval = i64::from(s.confirmation_interval_hours) * HOUR;
            config.request_timeout =
                std::time::Duration::from_secs(u64::from(s.request_timeout_seconds));
            config.mail_lease = i64::from(s.mail_lease_seconds) * crate::store::SECOND;
            config.retention.pending = i64::from(s.retention_pending_days) * DAY;
            config.retention.mail_history = i64::from(s.retention_mail_days) * DAY;
            config.retention.consent_after_erasure = i64::from(s.retention_consent_days) * DAY;
            config.dkim = dkim_settings(s.dkim_key.as_deref(), s.dkim_selector.as_deref())?;
            config.unsafe_ack_before_commit = cfg!(debug_assertions)
                && std::env::var("QUIETLIST_TEST_ONLY_ACK_BEFORE_COMMIT").is_ok_and(|v| v == "1");
            config.client_ip = match s.client_ip {
                ClientIpArg::Truncated => IpRecording::Truncated,
                ClientIpArg::Full => IpRecording::Full,
                ClientIpArg::None => IpRecording::None,
            };
        }
        Ok(config)
    }
}

/// The DKIM key and selector, both or neither.
fn dkim_settings(
    key: Option<&Path>,
    selector: Option<&str>,
) -> anyhow::Result<Option<DkimSettings>> {
    match (key, selector) {
        (Some(path), Some(selector)) => Ok(Some(DkimSettings {
            key_pem: SecretString::from(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the DKIM key {}", path.display()))?,
            ),
            selector: selector.to_owned(),
        })),
        (None, None) => Ok(None),
        _ => anyhow::bail!("DKIM needs both QUIETLIST_DKIM_KEY and QUIETLIST_DKIM_SELECTOR"),
    }
}

/// Who ran a command, for the audit log: the operating-system user.
fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::CommandLine { user }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => {
            let config = cli.config(Some(args))?;
            if config.database.sqlite.durability == Durability::Normal {
                tracing::warn!(
                    "QUIETLIST_DURABILITY=normal: the last signups may be lost on power loss"
                );
            }
            Application::build(config).await?.run_until_stopped().await
        }
        Command::Export { list, output, json } => {
            let format = if *json {
                ExportFormat::JsonLines
            } else {
                ExportFormat::Csv
            };
            export(&cli, list, output.as_deref(), format).await
        }
        Command::Admin(command) => admin(&cli, command).await,
        Command::ApiKey(command) => {
            api_key::run(&owner_actions(&cli).await?, &cli_actor(), command).await
        }
        Command::Import {
            list,
            file,
            with_consent,
        } => import(&cli, list, file, *with_consent).await,
        Command::Invite {
            list,
            next,
            cohort,
            overbook,
            json,
        } => {
            let round = InviteRound {
                count: *next,
                cohort: cohort.clone(),
                overbook: *overbook,
            };
            invite(&cli, list, round, *json).await
        }
        Command::Dkim(DkimCommand::Keygen {
            algorithm,
            selector,
            domain,
            out,
        }) => dkim_keygen(
            &cli.common.data_dir,
            *algorithm,
            selector.as_deref(),
            domain.as_deref(),
            out.as_deref(),
        ),
        Command::Db(DbCommand::Copy { to }) => db_copy(&cli, to).await,
        Command::Audit { json } => audit(&cli, *json).await,
        Command::Announce(args) => announce(&cli, args).await,
        Command::Announcements(args) => announcements(&cli, args).await,
        Command::Webhook(command) => webhook::run(&cli, command).await,
        Command::New { kind, slug } => {
            let path = new::new_page(cli.common.site_dir.as_deref(), *kind, slug)?;
            println!(
                "wrote {} (a draft; `quietlist check` reads it)",
                path.display()
            );
            Ok(())
        }
        Command::Check => check::check_site(cli.common.site_dir.as_deref(), &mut std::io::stdout()),
        Command::Preview { path, base_url } => {
            preview::print_url(&cli.config(None)?, path, base_url).await
        }
        Command::Backup { file } => backup::run_backup(&cli.config(None)?, file),
        Command::Restore {
            file,
            trust_unsigned,
        } => backup::run_restore(&cli.config(None)?, file, *trust_unsigned).await,
        Command::Config(ConfigCommand::Check(args)) => config_check::run(&cli, args).await,
    }
}

/// The owner's use cases over the configured data directory (mail they queue is sent by
/// the running server's outbox).
async fn owner_actions(cli: &Cli) -> anyhow::Result<OwnerActions> {
    let config = cli.config(None)?;
    Ok(Core::open(&config).await?.owner_actions(&config))
}

/// `quietlist export LIST [--output FILE]`.
async fn export(
    cli: &Cli,
    list: &str,
    output: Option<&Path>,
    format: ExportFormat,
) -> anyhow::Result<()> {
    let actions = owner_actions(cli).await?;
    match output {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            );
            let target = ExportTarget::File(path.to_path_buf());
            actions
                .export(&cli_actor(), list, target, format, &mut file)
                .await?;
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            let target = ExportTarget::StandardOutput;
            actions
                .export(&cli_actor(), list, target, format, &mut stdout)
                .await?;
        }
    }
    Ok(())
}

/// `quietlist db copy --to URL`: exits non-zero unless every table matches.
async fn db_copy(cli: &Cli, to: &str) -> anyhow::Result<()> {
    let config = cli.config(None)?;
    let report = crate::admin::db_copy::copy_to(
        &config.database,
        &config.data_dir,
        &SecretString::from(to.to_owned()),
        &cli_actor(),
    )
    .await?;
    print!("{}", crate::admin::db_copy::render(&report));
    anyhow::ensure!(report.verified(), "the copy does not match its source");
    Ok(())
}

/// `quietlist admin add/passwd/role/remove/list`.
async fn admin(cli: &Cli, command: &AdminCommand) -> anyhow::Result<()> {
    let config = cli.config(None)?;
    let owners = Core::open(&config).await?.owners(&config)?;
    let read_password = || -> anyhow::Result<SecretString> {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(SecretString::from(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ))
    };
    let actor = cli_actor();
    match command {
        AdminCommand::Add { email, role, .. } => {
            let created = owners
                .add_or_update(&actor, email, &read_password()?, *role)
                .await?;
            if created {
                println!("created {} {email}", role.unwrap_or_default());
            } else {
                println!("set the password of {email}");
                if let Some(role) = role {
                    println!("{email} is now {role}");
                }
            }
        }
        AdminCommand::Role { email, role } => {
            owners.set_role(&actor, email, *role).await?;
            println!("{email} is now {role}");
        }
        AdminCommand::Passwd { email, .. } => {
            owners
                .set_password(&actor, email, &read_password()?)
                .await?;
            println!("changed the password of {email}; their sessions have ended");
        }
        AdminCommand::Remove { email } => {
            owners.remove(&actor, email).await?;
            println!("removed {email}");
        }
        AdminCommand::List => {
            for owner in owners.list().await? {
                println!(
                    "{}\t{}\t{}\tsince {}",
                    owner.id,
                    owner.email.as_str(),
                    owner.role,
                    timestamp(owner.created_at)
                );
            }
        }
    }
    Ok(())
}

/// `quietlist import LIST FILE [--with-consent]`, with a progress line and a report.
async fn import(cli: &Cli, list: &str, file: &Path, with_consent: bool) -> anyhow::Result<()> {
    let actions = owner_actions(cli).await?;
    let reader =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let size = reader.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::byte_bar(size);
    let reader = bar.wrap_read(reader);
    let options = ImportOptions {
        with_consent,
        source: file.display().to_string(),
        actor: cli_actor(),
    };
    let started = std::time::Instant::now();
    let summary = actions
        .import_csv(list, std::io::BufReader::new(reader), &options, |rows| {
            bar.set_message(format!(
                "{} rows ({})",
                progress::thousands(rows),
                progress::rate(rows, started.elapsed())
            ))
        })
        .await?;
    bar.finish_and_clear();
    let took = started.elapsed();
    let r = &summary.report;
    let n = |v: u64| progress::thousands(v);
    println!(
        "{}: {} rows read ({} bytes) in {} ({}); {} added ({} confirmed with consent proof, {} confirmation mails queued); {} already on the list; {} erased before and not re-added; {} duplicates in the file merged; {} rejected",
        file.display(),
        n(summary.rows_read),
        n(size),
        progress::rounded_duration(took),
        progress::rate(summary.rows_read, took),
        n(r.added),
        n(r.confirmed),
        n(r.confirmations_queued),
        n(r.already_there),
        n(r.suppressed),
        n(summary.duplicates_in_file),
        n(summary.rejected_total)
    );
    for (line, reason) in &summary.rejected {
        println!("  line {line}: {reason}");
    }
    if summary.rejected_total as usize > summary.rejected.len() {
        println!(
            "  ... and {} more",
            summary.rejected_total as usize - summary.rejected.len()
        );
    }
    Ok(())
}

/// `quietlist invite LIST --next N [--cohort C] [--overbook]`.
async fn invite(cli: &Cli, list: &str, round: InviteRound, json: bool) -> anyhow::Result<()> {
    let actions = owner_actions(cli).await?;
    // The server may never have run: the cohorts of the site settings must exist.
    actions.seed_cohorts().await?;
    let asked = round.count;
    let Invited { cohort, report } = actions.invite_next(&cli_actor(), list, round).await?;
    if json {
        let object = serde_json::json!({
            "list": list,
            "cohort": cohort,
            "asked": asked,
            "invited": report.invited,
            "held_back_by_mail_cap": report.held_back,
            "undeliverable": report.undeliverable,
            "free_seats_before": report.free_seats_before,
            "waiting_before": report.waiting_before,
        });
        println!("{object}");
        return Ok(());
    }
    if report.held_back > 0 {
        println!(
            "{} next in line not invited: they have had the most mails the promise allows in 30 days (the cap); they keep their place",
            report.held_back
        );
    }
    if report.undeliverable > 0 {
        println!(
            "{} of those invited {} marked undeliverable (their mail server refused the address for good): the invitation is queued all the same, as the mailbox may be back (each one's page in the admin says why)",
            report.undeliverable,
            if report.undeliverable == 1 {
                "is"
            } else {
                "are"
            }
        );
    }
    let free = match report.free_seats_before {
        1 => "1 seat was free".to_owned(),
        n => format!("{n} seats were free"),
    };
    let waiting = match report.waiting_before {
        1 => "1 person was waiting".to_owned(),
        n => format!("{n} people were waiting"),
    };
    println!(
        "invited {} of {asked} asked into cohort {cohort} ({free}, {waiting}); the mails go out from the running server",
        report.invited
    );
    Ok(())
}

/// `quietlist announce LIST FILE.md [--to STATUS,...] [--at RFC3339] [--cohort NAME]
/// [--where FIELD=VALUE] [--dry-run] [--test-to ADDRESS]`.
async fn announce(cli: &Cli, args: &AnnounceArgs) -> anyhow::Result<()> {
    let source = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let announcement =
        Announcement::parse(&source).with_context(|| format!("{}", args.file.display()))?;
    let audience = announcement_audience(args)?;
    let send_at = args
        .at
        .as_deref()
        .map(parse_rfc3339)
        .transpose()
        .context("--at")?;
    let actions = owner_actions(cli).await?;
    if let Some(address) = &args.test_to {
        return send_test_announcement(cli, args, &actions, &announcement, address).await;
    }
    let title = format!("{} {:?}", announcement.key(), announcement.subject());
    if args.dry_run {
        let report = actions
            .announce_dry_run(&cli_actor(), &args.list, &announcement, &audience)
            .await?;
        println!("{title}: {}", describe_announcement(&report, true));
        return Ok(());
    }
    let start = actions
        .announce(&cli_actor(), &args.list, &announcement, &audience, send_at)
        .await?;
    let run = &start.run;
    if !start.started {
        println!(
            "{title}: already {} ({} queued so far); nothing new was started",
            run.state.as_str(),
            run.report.queued
        );
    } else if run.state == RunState::Scheduled {
        println!(
            "{title}: scheduled for {}, to {} ({} people now)",
            announce_timestamp(run.send_at),
            audience.describe(),
            run.total
        );
    } else {
        println!(
            "{title}: sending to {}: {} people, at {} mails a second",
            audience.describe(),
            run.total,
            cli.common.send_rate
        );
    }
    println!(
        "the mails go out from the running server; follow them with: quietlist announcements {}",
        args.list
    );
    Ok(())
}

fn announcement_audience(args: &AnnounceArgs) -> anyhow::Result<AnnouncementAudience> {
    let default_to = match args.cohort {
        Some(_) => "confirmed,invited,accepted",
        None => "confirmed",
    };
    let mut audience = AnnouncementAudience::parse(args.to.as_deref().unwrap_or(default_to))
        .map_err(|problem| anyhow::anyhow!("--to: {problem}"))?;
    if let Some(cohort) = &args.cohort {
        audience = audience.in_cohort(cohort);
    }
    if let Some(condition) = &args.where_field {
        audience = audience
            .where_field(condition)
            .map_err(|problem| anyhow::anyhow!("--where: {problem}"))?;
    }
    Ok(audience)
}

fn parse_rfc3339(text: &str) -> anyhow::Result<i64> {
    let at =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{text:?} is not an RFC 3339 time such as 2026-06-01T09:00:00Z ({e})"
                )
            })?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `quietlist announcements LIST [show|pause|resume|cancel KEY]`.
async fn announcements(cli: &Cli, args: &AnnouncementsArgs) -> anyhow::Result<()> {
    let actions = owner_actions(cli).await?;
    let list = &args.list;
    let (key, action) = match &args.action {
        None => return announcement_table(&actions.announcements(list).await?),
        Some(AnnouncementAction::Show { key }) => {
            let progress = actions.announcement(list, key).await?;
            let run = &progress.run;
            println!("{} {:?}: {}", run.key, run.subject, run.state.as_str());
            println!("{}", describe_announcement(&run.report, false));
            println!(
                "{}",
                describe_progress(&progress).render(crate::i18n::Language::English)
            );
            for refusal in &progress.refusals {
                println!("refused {}: {}", refusal.mails, refusal.reason);
            }
            return Ok(());
        }
        Some(AnnouncementAction::Pause { key }) => (key, RunAction::Pause),
        Some(AnnouncementAction::Resume { key }) => (key, RunAction::Resume),
        Some(AnnouncementAction::Cancel { key }) => (key, RunAction::Cancel),
    };
    let run = actions
        .change_announcement(&cli_actor(), list, key, action)
        .await?;
    println!("{}: {}", run.key, run.state.as_str());
    Ok(())
}

fn announcement_table(runs: &[RunProgress]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<30}  {:<30}  {:<9}  progress",
        "key", "subject", "state"
    )?;
    for progress in runs {
        let run = &progress.run;
        let subject: String = run.subject.chars().take(30).collect();
        writeln!(
            out,
            "{:<30}  {:<30}  {:<9}  {} of {} queued handed over; {} of {} examined",
            run.key,
            subject,
            run.state.as_str(),
            progress.mails.sent,
            run.report.queued,
            run.examined,
            run.total
        )?;
    }
    Ok(())
}

/// `--test-to`: one copy, through the SMTP server the running server uses.
async fn send_test_announcement(
    cli: &Cli,
    args: &AnnounceArgs,
    actions: &OwnerActions,
    announcement: &Announcement,
    address: &str,
) -> anyhow::Result<()> {
    let to = EmailAddress::parse(address).map_err(|e| anyhow::anyhow!("--test-to: {e}"))?;
    let mut config = cli.config(None)?;
    config.mail_from = args.mail_from.clone();
    config.dkim = dkim_settings(args.dkim_key.as_deref(), args.dkim_selector.as_deref())?;
    let smtp_url = args
        .smtp_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .map(SecretString::from)
        .context(
            "--test-to needs QUIETLIST_SMTP_URL (the server the running quietlist sends through)",
        )?;
    let base_url = args
        .base_url
        .clone()
        .context("--test-to needs QUIETLIST_BASE_URL (the public origin of the links in mail)")?;
    let settings = mail_settings(&config, &base_url)?;
    let transport = Transport::smtp(&smtp_url, 1)?;
    let copy = TestCopy {
        to: &to,
        transport: &transport,
        settings: &settings,
    };
    actions
        .send_test_announcement(&cli_actor(), &args.list, announcement, copy)
        .await?;
    println!(
        "sent a test copy of {} to {address}; nothing went to the list",
        announcement.key()
    );
    Ok(())
}

/// `quietlist audit [--json]`.
async fn audit(cli: &Cli, json: bool) -> anyhow::Result<()> {
    let entries = owner_actions(cli).await?.audit_log().await?;
    let mut out = std::io::stdout().lock();
    if json {
        for entry in &entries {
            writeln!(out, "{}", serde_json::to_string(entry)?)?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{:<20}  {:<22}  {:<9}  {:<24}  {:>7}  detail",
        "when (UTC)", "who", "what", "about", "rows"
    )?;
    for e in &entries {
        writeln!(
            out,
            "{:<20}  {:<22}  {:<9}  {:<24}  {:>7}  {}",
            timestamp(e.at),
            e.actor,
            e.action,
            e.subject,
            e.rows,
            e.detail
        )?;
    }
    Ok(())
}

/// `quietlist dkim keygen`: the key file, then what to publish and how to turn it on.
fn dkim_keygen(
    data_dir: &std::path::Path,
    algorithm: DkimAlgorithmArg,
    selector: Option<&str>,
    domain: Option<&str>,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use crate::mail::dkim;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let domain = match domain {
        Some(d) => d.trim().trim_end_matches('.').to_ascii_lowercase(),
        None => dkim::default_domain(
            env("QUIETLIST_MAIL_FROM").as_deref(),
            env("QUIETLIST_BASE_URL").as_deref(),
        )
        .context(
            "--domain: name the domain of the From address (neither QUIETLIST_MAIL_FROM nor a \
             QUIETLIST_BASE_URL with a host name is set)",
        )?,
    };
    let selector = match selector {
        Some(s) => s.to_owned(),
        None => {
            let today = time::OffsetDateTime::now_utc();
            format!("ql{}{:02}", today.year(), u8::from(today.month()))
        }
    };
    dkim::check_selector(&selector).context("--selector")?;
    let path = match out {
        Some(path) => path.to_path_buf(),
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            data_dir.join(format!("dkim-{selector}.key"))
        }
    };
    let key = dkim::generate(match algorithm {
        DkimAlgorithmArg::Rsa => dkim::Algorithm::Rsa,
        DkimAlgorithmArg::Ed25519 => dkim::Algorithm::Ed25519,
    })?;
    dkim::write_new_key(&path, &key)?;
    println!(
        "wrote a new DKIM private key to {} (mode 0600)\n\n\
         1. Publish this DNS record:\n\n{}\n\n   \
         (in a DNS provider's web form: name {selector}._domainkey.{domain}, type TXT, value\n   \
         {})\n\n\
         2. Once it resolves, start quietlist with\n   \
         QUIETLIST_DKIM_KEY={} QUIETLIST_DKIM_SELECTOR={selector}\n   \
         and a From address at {domain} (QUIETLIST_MAIL_FROM).",
        path.display(),
        dkim::zone_line(&selector, &domain, &key.record),
        key.record,
        path.display(),
    );
    Ok(())
}

/// `--role`: owner, editor or viewer.
fn parse_role(input: &str) -> Result<Role, String> {
    Role::parse(input).map_err(|e| e.to_string())
}
