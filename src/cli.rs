//! The command line: `serve`, `export`...

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::config::{Config, parse_base_url};
use crate::startup::{Application, Core};
use crate::store::sqlite::Durability;
use crate::waitlist::IpRecording;

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
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "QUIETLIST_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Public origin used in links in mail [default: http:// + the listen address].
    #[arg(long, env = "QUIETLIST_BASE_URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,

    /// SMTP server for mail: smtp://host:port, smtp://user:pass@host:587?tls=required,
    /// smtps://user:pass@host. Unset: mail is kept in the development mailbox in the data
    /// directory and its links are logged.
    #[arg(long, env = "QUIETLIST_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// SMTP connections kept open and reused.
    #[arg(long, env = "QUIETLIST_SMTP_CONNECTIONS", default_value_t = 4)]
    pub smtp_connections: u32,

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

    /// Behind a reverse proxy: take the client's address from the last hop of
    /// X-Forwarded-For. Only turn on when every request comes through the proxy.
    #[arg(long, env = "QUIETLIST_TRUST_PROXY", default_value = "off")]
    pub trust_proxy: OnOff,

    /// `off` keeps mail queued in the outbox without sending it (for SMTP maintenance);
    /// `on` sends what has queued.
    #[arg(long, env = "QUIETLIST_SEND_MAIL", default_value = "on")]
    pub send_mail: OnOff,

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

impl Cli {
    fn config(&self, serve: Option<&ServeArgs>) -> Config {
        let mut config = Config::new(self.common.data_dir.clone());
        config.site_dir = self.common.site_dir.clone();
        config.secret_key = std::env::var("QUIETLIST_SECRET_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(SecretString::from);
        if let Some(s) = serve {
            config.listen = s.listen;
            config.base_url = s.base_url.clone();
            config.smtp_url = s
                .smtp_url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .map(SecretString::from);
            config.smtp_connections = s.smtp_connections;
            config.mail_from = s.mail_from.clone();
            config.durability = match s.durability {
                DurabilityArg::Full => Durability::Full,
                DurabilityArg::Normal => Durability::Normal,
            };
            config.rate_limit = s.rate_limit == OnOff::On;
            config.trust_proxy = s.trust_proxy == OnOff::On;
            config.send_mail = s.send_mail == OnOff::On;
            config.unsafe_ack_before_commit = cfg!(debug_assertions)
                && std::env::var("QUIETLIST_TEST_ONLY_ACK_BEFORE_COMMIT").is_ok_and(|v| v == "1");
            config.client_ip = match s.client_ip {
                ClientIpArg::Truncated => IpRecording::Truncated,
                ClientIpArg::Full => IpRecording::Full,
                ClientIpArg::None => IpRecording::None,
            };
        }
        config
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => {
            let config = cli.config(Some(args));
            if config.durability == Durability::Normal {
                tracing::warn!(
                    "QUIETLIST_DURABILITY=normal: the last signups may be lost on power loss"
                );
            }
            Application::build(config).await?.run_until_stopped().await
        }
        Command::Export { list, output } => {
            let config = cli.config(None);
            let core = Core::open(&config)?;
            let published = core.site.load();
            let waitlist = published.site.waitlist(list).with_context(|| {
                format!("there is no waitlist named {list:?} in the site settings")
            })?;
            let fields: Vec<String> = waitlist
                .settings
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect();
            let store = core.store();
            let rows = match output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("creating {}", path.display()))?,
                    );
                    crate::waitlist::export::write_csv(
                        store.as_ref(),
                        &core.vault,
                        list,
                        &fields,
                        &mut file,
                    )
                    .await?
                }
                None => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout());
                    crate::waitlist::export::write_csv(
                        store.as_ref(),
                        &core.vault,
                        list,
                        &fields,
                        &mut stdout,
                    )
                    .await?
                }
            };
            tracing::info!(list, rows, "exported");
            Ok(())
        }
    }
}
