//! Turning a claimed outbox row into a mail, at send time.
//!
//! The outbox stores no text and no address: the mail is rendered here from the
//! subscriber row (decrypted just for this) and the current templates.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use serde_json::json;

use crate::domain::TokenPurpose;
use crate::privacy::Vault;
use crate::publish::{CONFIRM_HOURS, Published};
use crate::store::{MailJob, MailKind};

/// What every mail needs that does not change from mail to mail.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The public origin, without a trailing slash: `https://example.org`.
    pub base_url: String,
    pub from: Mailbox,
    /// The domain of Message-IDs (the base URL's host).
    pub message_id_domain: String,
}

/// A mail ready to send, and the links in it (the development mailbox logs them).
pub struct Composed {
    pub message: Message,
    pub links: Vec<String>,
}

pub fn compose(
    settings: &MailSettings,
    published: &Published,
    vault: &Vault,
    job: &MailJob,
    to: Mailbox,
) -> anyhow::Result<Composed> {
    let waitlist = published.site.waitlist(&job.list).ok_or_else(|| {
        anyhow::anyhow!("the list {:?} is no longer in the site settings", job.list)
    })?;
    let link = |purpose: TokenPurpose, path: &str| -> Option<String> {
        job.token
            .as_ref()
            .filter(|(p, _, _)| *p == purpose)
            .map(|(_, id, seed)| {
                let token = vault.link_token(purpose, *id, seed);
                format!("{}/{path}/{}", settings.base_url, token.as_str())
            })
    };

    let (subject, template, links, context) = match job.kind {
        MailKind::Confirmation => {
            let confirm_url = link(TokenPurpose::Confirm, "confirm")
                .ok_or_else(|| anyhow::anyhow!("confirmation mail {} has no token", job.id))?;
            (
                format!(
                    "Confirm your place on the waitlist for {}",
                    waitlist.settings.title
                ),
                "mail/confirmation",
                vec![confirm_url.clone()],
                json!({ "confirm_url": confirm_url, "confirm_hours": CONFIRM_HOURS }),
            )
        }
        MailKind::Welcome | MailKind::Invite => {
            anyhow::bail!("{} mails are not written yet", job.kind.as_str())
        }
    };

    let mut context = match context {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    context.insert("waitlist".into(), json!(waitlist));
    context.insert("base_url".into(), json!(settings.base_url));
    context.insert("subject".into(), json!(subject));
    let context = serde_json::Value::Object(context);
    let text = published.render(&format!("{template}.txt"), context.clone())?;
    let html = published.render(&format!("{template}.html"), context)?;

    let message = Message::builder()
        .from(settings.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!(
            "<{}.{}@{}>",
            job.kind.as_str(),
            hex::encode(rand::random::<[u8; 12]>()),
            settings.message_id_domain
        )))
        .multipart(MultiPart::alternative_plain_html(text, html))?;
    Ok(Composed { message, links })
}
