//! The form's words for a refused field: each domain error as a catalogue message, so
//! the visitor reads it in the form's language (the API keeps the English `Display`).

use super::{Text, msg};
use crate::abuse::pow::PowError;
use crate::domain::{EmailError, FieldError, FieldProblem, NameError};

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
