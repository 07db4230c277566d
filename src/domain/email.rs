//! An email address that has been checked well enough to send mail to.

use std::fmt;

/// A syntactically valid, normalised (lower-cased, trimmed) email address.
///
/// The field is private: the only way to get one is [`EmailAddress::parse`].
/// `Debug` does not print the address, so it cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why an address was refused, in words a visitor can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Please enter your email address.")]
    Empty,
    #[error("That address is too long (254 characters at most).")]
    TooLong,
    #[error("An email address needs one @, like name@example.com.")]
    NoAt,
    #[error("The part before the @ is not valid.")]
    BadLocalPart,
    #[error("The part after the @ is not a valid domain, like example.com.")]
    BadDomain,
}

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

impl EmailAddress {
    /// Parses what a visitor typed. Accepts the dot-atom form of RFC 5322 (which is what
    /// every mailbox provider hands out) and refuses quoted local parts, comments, IP
    /// literals and anything with white space or control characters inside.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::NoAt)?;
        if !is_valid_local_part(local) {
            return Err(EmailError::BadLocalPart);
        }
        if !is_valid_domain(domain) {
            return Err(EmailError::BadDomain);
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the @, for grouping without revealing the person.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || SPECIALS.contains(c))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let tld = labels.last().copied().unwrap_or_default();
    // A top-level domain is letters (or an IDN "xn--" label), never all digits.
    let tld_ok =
        tld.len() >= 2 && (tld.chars().all(|c| c.is_ascii_alphabetic()) || tld.starts_with("xn--"));
    labels_ok && tld_ok
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted_and_lower_cased() {
        let a = EmailAddress::parse("  Ada.Lovelace+list@Example.ORG ").unwrap();
        assert_eq!(a.as_str(), "ada.lovelace+list@example.org");
        assert_eq!(a.domain(), "example.org");
        assert!(EmailAddress::parse("o'brien@sub.example.co.uk").is_ok());
        assert!(EmailAddress::parse("x@xn--bcher-kva.example").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("no-at-sign", EmailError::NoAt),
            ("@example.com", EmailError::BadLocalPart),
            (".dot@example.com", EmailError::BadLocalPart),
            ("two..dots@example.com", EmailError::BadLocalPart),
            ("sp ace@example.com", EmailError::BadLocalPart),
            ("\"quoted\"@example.com", EmailError::BadLocalPart),
            ("a@b@example.com", EmailError::BadLocalPart),
            ("name@localhost", EmailError::BadDomain),
            ("name@-bad.com", EmailError::BadDomain),
            ("name@example.123", EmailError::BadDomain),
            ("name@exa_mple.com", EmailError::BadDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(EmailAddress::parse(input), Err(expected), "input {input:?}");
        }
        assert!(EmailAddress::parse("name@example.com\r\nBcc: victim@example.com").is_err());
        assert!(
            EmailAddress::parse("name@example.com\n").is_ok(),
            "surrounding white space is trimmed"
        );
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(
            EmailAddress::parse(&long_local),
            Err(EmailError::BadLocalPart)
        );
    }

    #[test]
    fn debug_output_never_shows_the_address() {
        let a = EmailAddress::parse("secret@example.com").unwrap();
        assert!(!format!("{a:?}").contains("secret"));
    }
}
