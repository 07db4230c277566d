//! Where mail goes: an SMTP server through lettre (a small pool of reused connections),
//! or, when no server is configured, the development mailbox in the data directory.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Mails are written to this folder, with the recipient replaced by a subscriber id
    /// so that no address is stored in clear.
    DevMailbox(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Transport::Smtp"),
            Self::DevMailbox(dir) => write!(f, "Transport::DevMailbox({})", dir.display()),
        }
    }
}

/// A failed delivery: `permanent` when the server refused the mail for good (5xx).
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    pub fn smtp(url: &SecretString, connections: u32) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .context("QUIETLIST_SMTP_URL is not a valid smtp:// or smtps:// URL")?
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(connections.max(1)))
            .build();
        Ok(Self::Smtp(transport))
    }

    pub fn dev_mailbox(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the development mailbox {}", dir.display()))?;
        Ok(Self::DevMailbox(dir))
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self, Self::DevMailbox(_))
    }

    pub async fn send(&self, message: Message, file_stem: &str) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Self::DevMailbox(dir) => {
                let path = dir.join(format!("{file_stem}.eml"));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| SendError {
                        permanent: false,
                        message: format!("writing {}: {e}", path.display()),
                    })
            }
        }
    }
}
