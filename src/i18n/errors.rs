//! The form's words for a refused field: each domain error as a catalogue message, so
//! the visitor reads it in the form's language (the API keeps the English `Display`).

use super::{Arg, Text, msg};
use crate::abuse::pow::PowError;
use crate::domain::{
    Capability, EmailError, FieldError, FieldProblem, NameError, Role, WebhookError,
};
use crate::publish::markdown::MarkdownError;
use crate::waitlist::InviteError;

pub fn email(error: &EmailError) -> Text {
    Text::key(match error {
        EmailError::Empty => msg("email-empty"),
        EmailError::TooLong => msg("email-too-long"),
        EmailError::NoAt => msg("email-no-at"),
        EmailError::BadLocalPart => msg("email-bad-local"),
        EmailError::BadDomain => msg("email-bad-domain"),
    })
}

pub fn name(error: &NameError) -> Text {
    Text::key(match error {
        NameError::TooLong => msg("name-too-long"),
        NameError::ControlCharacters => msg("name-bad-characters"),
    })
}

pub fn field(error: &FieldError) -> Text {
    match error.problem {
        FieldProblem::Required => Text::key("field-required"),
        FieldProblem::BadCharacters => Text::key("field-bad-characters"),
        FieldProblem::TooLong(max) => Text::with("field-too-long", vec![("max", max.into())]),
        FieldProblem::NotAnOption => Text::key("field-not-an-option"),
    }
}

/// A throwaway domain, refused beside the address field.
pub fn throwaway(domain: &str) -> Text {
    Text::with("email-throwaway", vec![("domain", domain.into())])
}

/// Why a signup's proof of work was refused, for the form's page (the API keeps the
/// English `Display`, which tells a program what to do).
pub fn pow(error: &PowError) -> Text {
    Text::key(match error {
        PowError::Missing => msg("pow-missing"),
        PowError::Invalid => msg("pow-invalid"),
        PowError::Expired => msg("pow-expired"),
        PowError::Replayed => msg("pow-replayed"),
        PowError::Busy => msg("pow-busy"),
    })
}

/// A role's refusal, for the owner's "not allowed" page (the audit log and the command
/// line keep the English `Display`).
pub fn not_allowed(role: Role, what: Capability) -> Text {
    Text::with(
        "admin-role-may-not",
        vec![
            ("role", role.as_str().into()),
            ("what", what.as_str().into()),
        ],
    )
}

/// Why a webhook's URL or events were refused, beside the field on the owner's form.
pub fn webhook(error: &WebhookError) -> Text {
    match error {
        WebhookError::UnknownEvent(event) => Text::with(
            "webhook-unknown-event",
            vec![("event", format!("{event:?}").into())],
        ),
        WebhookError::NoEvents => Text::key("webhook-no-events"),
        WebhookError::NotAUrl(reason) => Text::with(
            "webhook-not-a-url",
            vec![("reason", reason.as_str().into())],
        ),
        WebhookError::Scheme => Text::key("webhook-scheme"),
        WebhookError::Insecure => Text::key("webhook-insecure"),
        WebhookError::Credentials => Text::key("webhook-credentials"),
        WebhookError::Fragment => Text::key("webhook-fragment"),
        WebhookError::TooLong => Text::key("webhook-too-long"),
    }
}

/// A Markdown problem of an announcement's text (its English is the `Display`).
pub fn markdown(error: &MarkdownError) -> Text {
    let quoted = |url: &str| Arg::from(format!("{url:?}"));
    match error {
        MarkdownError::ForeignImage { url, .. } => {
            Text::with("markdown-foreign-image", vec![("url", quoted(url))])
        }
        MarkdownError::HeadingAttribute { names, .. } => {
            Text::with("markdown-heading-attribute", vec![("names", quoted(names))])
        }
        MarkdownError::ImageWithoutAlt { url, .. } => Text::with(
            "markdown-image-without-alt",
            vec![("url", quoted(url)), ("path", url.as_str().into())],
        ),
        MarkdownError::ImageNotFound { url, .. } => {
            Text::with("markdown-image-not-found", vec![("url", quoted(url))])
        }
        MarkdownError::ImageUnreadable { url, reason, .. } => Text::with(
            "markdown-image-unreadable",
            vec![("url", quoted(url)), ("reason", reason.as_str().into())],
        ),
    }
}

/// Why an invitation round or a cohort was refused, for the owner's page.
pub fn invite(error: &InviteError) -> Text {
    match error {
        InviteError::UnknownList => Text::key("invite-unknown-list"),
        InviteError::UnknownCohort(list, cohort) => Text::with(
            "invite-unknown-cohort",
            vec![
                ("list", format!("{list:?}").into()),
                ("cohort", format!("{cohort:?}").into()),
            ],
        ),
        InviteError::NoCohort(list) => Text::with(
            "invite-no-cohort",
            vec![("list", format!("{list:?}").into())],
        ),
        // Not the owner's words to fix: the page says what any store error says.
        InviteError::Store(_) => Text::key("error-server-text"),
    }
}
