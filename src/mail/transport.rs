//! Where mail goes: an SMTP server (a small pool of reused connections, `smtp.rs`), or,
//! when no server is configured, the development mailbox in the data directory.

use std::path::PathBuf;

use anyhow::Context;
use secrecy::SecretString;

use super::compose::Outgoing;
use super::smtp::{SmtpClient, SmtpStage, SmtpTarget};

pub enum Transport {
    Smtp(SmtpClient),
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

/// A failed delivery: `permanent` when the server refused the mail for good (5xx), and
/// at which step of SMTP (`None` for the development mailbox).
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub stage: Option<SmtpStage>,
    pub message: String,
}

impl SendError {
    /// The recipient's server refused the address itself for good: a 5xx to RCPT TO
    /// ("550 5.1.1 user unknown"). A 4xx is never this, nor a 5xx to DATA, which refuses
    /// the mail (its content, its size) and says nothing about the mailbox.
    pub fn refuses_address(&self) -> bool {
        self.permanent && self.stage == Some(SmtpStage::RcptTo)
    }
}

impl Transport {
    pub fn smtp(url: &SecretString, connections: u32) -> anyhow::Result<Self> {
        let target = SmtpTarget::parse(url)?;
        Ok(Self::Smtp(SmtpClient::new(target, connections as usize)?))
    }

    pub fn dev_mailbox(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the development mailbox {}", dir.display()))?;
        Ok(Self::DevMailbox(dir))
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self, Self::DevMailbox(_))
    }

    pub async fn send(&self, message: Outgoing, file_stem: &str) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(&message).await.map_err(|e| SendError {
                permanent: e.permanent,
                stage: Some(e.stage),
                message: e.message,
            }),
            Self::DevMailbox(dir) => {
                let path = dir.join(format!("{file_stem}.eml"));
                tokio::fs::write(&path, &message.bytes)
                    .await
                    .map_err(|e| SendError {
                        permanent: false,
                        stage: None,
                        message: format!("writing {}: {e}", path.display()),
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(permanent: bool, stage: Option<SmtpStage>) -> SendError {
        SendError {
            permanent,
            stage,
            message: String::new(),
        }
    }

    #[test]
    fn only_a_5xx_to_rcpt_to_refuses_the_address() {
        assert!(failure(true, Some(SmtpStage::RcptTo)).refuses_address());
        // A 4xx is never for good; a 5xx elsewhere is about the mail or the sender.
        assert!(!failure(false, Some(SmtpStage::RcptTo)).refuses_address());
        for stage in [SmtpStage::Connection, SmtpStage::MailFrom, SmtpStage::Data] {
            assert!(!failure(true, Some(stage)).refuses_address(), "{stage:?}");
        }
        assert!(!failure(true, None).refuses_address());
    }
}
