//! Turning a claimed outbox row into a mail, at send time.
//!
//! The outbox stores no text and no address: the mail is rendered here from the
//! subscriber row (decrypted just for this) and the current templates. Every mail after
//! the confirmation carries one-click unsubscribe (RFC 8058) and a visible link.

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde_json::json;

use super::dkim::Signer;
use super::wrap::{TEXT_WIDTH, join_paragraph_lines, wrap_text};
use crate::config::DkimSettings;
use crate::domain::TokenPurpose;
use crate::i18n::tr;
use crate::privacy::Vault;
use crate::publish::announcement::{Announcement, AnnouncementParts};
use crate::publish::{CONFIRM_HOURS, Published};
use crate::store::{InvitationMail, MailJob, MailKind};

/// What every mail needs that does not change from mail to mail.
pub struct MailSettings {
    /// The public origin, without a trailing slash: `https://example.org`.
    pub base_url: String,
    pub from: Mailbox,
    /// The domain of List-Ids (the base URL's host). Message-IDs are on the From
    /// address's domain, like the DKIM signature.
    pub message_id_domain: String,
    pub dkim: Option<Signer>,
    /// The cap on mails per person in 30 days, as the welcome mail states it.
    pub cap: u32,
    /// Places a confirmed referral moves the sharer up; 0 (referrals off) keeps the
    /// share link and its promise out of the welcome mail.
    pub referral_boost: u32,
    /// Days an unconfirmed signup is kept, as the confirmation mail states it.
    pub pending_days: i64,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("base_url", &self.base_url)
            .field("from", &self.from)
            .field("dkim", &self.dkim.is_some())
            .finish()
    }
}

/// Builds the DKIM signer for the From address's domain (see `super::dkim`).
pub fn dkim_config(settings: &DkimSettings, from: &Mailbox) -> anyhow::Result<Signer> {
    Signer::new(settings, from.email.domain())
}

/// A mail as it goes out: the envelope, and the exact bytes sent after DATA (with their
/// DKIM-Signature when a key is set), so that what was signed is what is sent.
pub struct Outgoing {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

/// A mail ready to send, and the links in it (the development mailbox logs them).
pub struct Composed {
    pub message: Outgoing,
    pub links: Vec<String>,
}

/// Text for a header: control characters (CR, LF, and the rest) become spaces.
fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The one-click unsubscribe link of a person. Signed, not stored: it works for as long
/// as the person exists (erasure ends it).
pub fn unsubscribe_url(settings: &MailSettings, vault: &Vault, subscriber_id: i64) -> String {
    let token = vault.link_token(TokenPurpose::Unsubscribe, subscriber_id, &[]);
    format!("{}/unsubscribe/{}", settings.base_url, token.as_str())
}

/// What the announcement templates are given: the owner's text, as text (its
/// paragraphs on one line each, for the text part's wrapping) and as the site renderer's
/// HTML (marked safe: raw HTML in it was already escaped), and the person's manage link.
fn announcement_context(parts: &AnnouncementParts, manage_url: &str) -> serde_json::Value {
    json!({
        "body_text": join_paragraph_lines(&parts.text),
        "body_html": parts.html,
        "manage_url": manage_url,
    })
}

/// A mail's words, before it is addressed: what [`compose`] sends, and what the owner's
/// preview of an announcement shows.
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The links in it (the development mailbox logs them).
    pub links: Vec<String>,
    list_id: String,
    unsubscribe: Option<String>,
}

pub fn compose(
    settings: &MailSettings,
    published: &Published,
    vault: &Vault,
    job: &MailJob,
    to: Mailbox,
) -> anyhow::Result<Composed> {
    let RenderedMail {
        subject,
        text,
        html,
        links,
        list_id,
        unsubscribe,
    } = render(settings, published, vault, job)?;
    let mut builder = Message::builder()
        .from(settings.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!(
            "<{}.{}@{}>",
            job.kind.as_str(),
            hex::encode(rand::random::<[u8; 12]>()),
            settings.from.email.domain()
        )))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Id"),
            list_id,
        ));
    if let Some(url) = &unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let message: Message = builder.multipart(MultiPart::alternative_plain_html(text, html))?;
    let formatted = message.formatted();
    let bytes = match &settings.dkim {
        Some(signer) => signer.sign(&formatted)?,
        None => formatted,
    };
    Ok(Composed {
        message: Outgoing {
            envelope: message.envelope().clone(),
            bytes,
        },
        links,
    })
}

/// Renders a mail's subject, text and HTML parts from its outbox row and the current
/// templates.
pub fn render(
    settings: &MailSettings,
    published: &Published,
    vault: &Vault,
    job: &MailJob,
) -> anyhow::Result<RenderedMail> {
    let waitlist = published.site.waitlist(&job.list).ok_or_else(|| {
        anyhow::anyhow!("the list {:?} is no longer in the site settings", job.list)
    })?;
    let link = |purpose: TokenPurpose, path: &str| -> anyhow::Result<String> {
        job.token
            .as_ref()
            .filter(|t| t.purpose == purpose)
            .map(|t| {
                let token = vault.link_token(purpose, t.id, &t.seed);
                format!("{}/{path}/{}", settings.base_url, token.as_str())
            })
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{} mail {} has no {} link",
                    job.kind.as_str(),
                    job.id,
                    purpose.as_str()
                )
            })
    };
    // The title goes into Subject and List-Id: no control character from site.toml may
    // reach a header (found by the `mail` fuzz target: U+0010 went out raw).
    let title = &header_text(&waitlist.settings.title);
    // Every mail is in the language the person signed up in.
    let language = published.site.language_or_default(job.language.as_deref());
    let subject_for =
        |key: &str| header_text(&tr(language, key, &[("list", title.as_str().into())]));

    let (subject, template, mut links, context) = match job.kind {
        MailKind::Confirmation => {
            let confirm_url = link(TokenPurpose::Confirm, "confirm")?;
            (
                subject_for("mail-subject-confirmation"),
                "mail/confirmation",
                vec![confirm_url.clone()],
                json!({
                    "confirm_url": confirm_url,
                    "confirm_hours": CONFIRM_HOURS,
                    "pending_days": settings.pending_days,
                }),
            )
        }
        MailKind::Welcome => {
            let manage_url = link(TokenPurpose::Manage, "manage")?;
            let share_url = format!(
                "{}/waitlists/{}/join/{}",
                settings.base_url,
                job.list,
                vault.referral_code(job.subscriber_id)
            );
            (
                subject_for("mail-subject-welcome"),
                "mail/welcome",
                vec![manage_url.clone()],
                json!({
                    "manage_url": manage_url,
                    "place": job.place_in_line,
                    "share_url": share_url,
                    "referral_boost": settings.referral_boost,
                }),
            )
        }
        MailKind::Access => {
            let manage_url = link(TokenPurpose::Manage, "manage")?;
            (
                subject_for("mail-subject-access"),
                "mail/access",
                vec![manage_url.clone()],
                json!({ "manage_url": manage_url }),
            )
        }
        MailKind::Announcement => {
            let manage_url = link(TokenPurpose::Manage, "manage")?;
            let stored = job.announcement.as_ref().ok_or_else(|| {
                anyhow::anyhow!("announcement mail {} has no announcement", job.id)
            })?;
            let name = job
                .name_sealed
                .as_deref()
                .map(|sealed| vault.open_string(crate::privacy::SealedKind::Name, sealed))
                .transpose()?;
            let announcement =
                Announcement::from_stored(&stored.key, &stored.subject, &stored.markdown);
            let parts = announcement.parts_for(name.as_deref())?;
            (
                header_text(announcement.subject()),
                "mail/announcement",
                vec![manage_url.clone()],
                announcement_context(&parts, &manage_url),
            )
        }
        MailKind::Invite => {
            let (id, seed) = job
                .token
                .as_ref()
                .filter(|t| t.purpose == TokenPurpose::Invite)
                .map(|t| (t.id, t.seed.clone()))
                .ok_or_else(|| anyhow::anyhow!("invitation mail {} has no token", job.id))?;
            let answer = |purpose: TokenPurpose, path: &str| {
                let token = vault.link_token(purpose, id, &seed);
                format!("{}/{path}/{}", settings.base_url, token.as_str())
            };
            let (accept_url, decline_url) = (
                answer(TokenPurpose::Accept, "accept"),
                answer(TokenPurpose::Decline, "decline"),
            );
            let InvitationMail {
                cohort,
                starts,
                expires_at,
            } = job.invitation.clone().unwrap_or_default();
            (
                subject_for("mail-subject-invite"),
                "mail/invite",
                vec![accept_url.clone(), decline_url.clone()],
                json!({
                    "accept_url": accept_url,
                    "decline_url": decline_url,
                    "cohort": cohort,
                    "starts": starts,
                    "expires": crate::waitlist::export::timestamp(expires_at).get(..10).unwrap_or(""),
                }),
            )
        }
    };

    // Every mail after the confirmation: one-click unsubscribe, in the headers and visible.
    let unsubscribe = (job.kind != MailKind::Confirmation)
        .then(|| unsubscribe_url(settings, vault, job.subscriber_id));
    links.extend(unsubscribe.clone());

    let mut context = match context {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    context.insert("waitlist".into(), json!(waitlist));
    context.insert("base_url".into(), json!(settings.base_url));
    context.insert("subject".into(), json!(subject));
    context.insert("unsubscribe_url".into(), json!(unsubscribe));
    context.insert("mail_cap".into(), json!(settings.cap));
    context.insert("lang".into(), json!(language.tag()));
    let context = serde_json::Value::Object(context);
    // Templates write each paragraph on one line; mail readers want 72 columns.
    let text = wrap_text(
        &published.render(&format!("{template}.txt"), context.clone())?,
        TEXT_WIDTH,
    );
    let html = published.render(&format!("{template}.html"), context)?;

    let list_id = format!(
        "\"{}\" <{}.{}>",
        title.replace(['"', '\\', '\r', '\n'], ""),
        job.list,
        settings.message_id_domain
    );
    Ok(RenderedMail {
        subject,
        text,
        html,
        links,
        list_id,
        unsubscribe,
    })
}
