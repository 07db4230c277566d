//! The address used only to count referrals (never to send mail): one inbox has many
//! spellings, and a person must not earn places by referring their own other spellings.

use crate::domain::EmailAddress;

/// Lower case (already), no `+tag` in any local part, and for Gmail no dots and one
/// domain (googlemail.com is gmail.com).
pub fn normalised_inbox(email: &EmailAddress) -> String {
    let (local, domain) = email
        .as_str()
        .rsplit_once('@')
        .unwrap_or((email.as_str(), ""));
    let local = local.split('+').next().unwrap_or(local);
    if domain == "gmail.com" || domain == "googlemail.com" {
        format!("{}@gmail.com", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalised_inbox(&EmailAddress::parse(s).unwrap())
    }

    #[test]
    fn spellings_of_one_inbox_meet() {
        assert_eq!(n("T.h.e.m+1@GoogleMail.com"), "them@gmail.com");
        assert_eq!(n("them+2@gmail.com"), "them@gmail.com");
        assert_eq!(n("a.b+x@example.org"), "a.b@example.org");
        assert_ne!(n("a.b@example.org"), n("ab@example.org"));
    }
}
