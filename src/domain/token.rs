//! The secret part of a link sent by mail (confirm, unsubscribe, accept...).

use std::fmt;

/// A link token as it appears in a URL: 43 characters of unpadded base64url (256 bits).
/// Only its hash is ever stored; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

pub const TOKEN_LEN: usize = 43;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this link is not valid")]
pub struct MalformedToken;

impl Token {
    pub fn parse(input: &str) -> Result<Self, MalformedToken> {
        let ok = input.len() == TOKEN_LEN
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(MalformedToken)
        }
    }

    /// Encodes 256 bits of key material as a token (43 characters of base64url).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        use base64::Engine;
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The 32 bytes the token encodes.
    pub fn to_bytes(&self) -> Option<[u8; 32]> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.0)
            .ok()?;
        bytes.try_into().ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<secret>)")
    }
}

/// What a token may be used for. A token minted for one purpose never works for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    Confirm,
    Unsubscribe,
    Manage,
    Accept,
    Decline,
    /// The stored purpose of an invitation's token; its links are `Accept` and `Decline`.
    Invite,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Unsubscribe => "unsubscribe",
            Self::Manage => "manage",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Invite => "invite",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Some(match input {
            "confirm" => Self::Confirm,
            "unsubscribe" => Self::Unsubscribe,
            "manage" => Self::Manage,
            "accept" => Self::Accept,
            "decline" => Self::Decline,
            "invite" => Self::Invite,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_be_43_base64url_characters() {
        assert!(Token::parse(&"a".repeat(43)).is_ok());
        assert!(Token::parse(&"a".repeat(42)).is_err());
        assert!(Token::parse(&format!("{}=", "a".repeat(42))).is_err());
        assert!(Token::parse(&format!("{}/", "a".repeat(42))).is_err());
    }

    #[test]
    fn tokens_from_bytes_parse_back() {
        let t = Token::from_bytes(&[0xfe; 32]);
        assert_eq!(Token::parse(t.as_str()).unwrap(), t);
    }

    #[test]
    fn purposes_round_trip() {
        for p in [
            TokenPurpose::Confirm,
            TokenPurpose::Unsubscribe,
            TokenPurpose::Manage,
            TokenPurpose::Accept,
            TokenPurpose::Decline,
            TokenPurpose::Invite,
        ] {
            assert_eq!(TokenPurpose::parse(p.as_str()), Some(p));
        }
    }
}
