//! A person's name as they typed it, bounded and free of control characters.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Names are limited to 100 characters.")]
    TooLong,
    #[error("The name contains characters that are not allowed.")]
    ControlCharacters,
}

impl PersonName {
    /// An empty or blank input is "no name given", not an error.
    pub fn parse(input: &str) -> Result<Option<Self>, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.chars().count() > 100 {
            return Err(NameError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::ControlCharacters);
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_optional_bounded_and_printable() {
        assert_eq!(PersonName::parse("  ").unwrap(), None);
        assert_eq!(PersonName::parse(" Ada ").unwrap().unwrap().as_str(), "Ada");
        assert_eq!(PersonName::parse(&"x".repeat(101)), Err(NameError::TooLong));
        assert_eq!(
            PersonName::parse("a\u{0}b"),
            Err(NameError::ControlCharacters)
        );
    }
}
