//! URL-safe names for reports, courses and waitlists.

use std::fmt;

/// A lower-case name made of letters, digits and single hyphens, 1 to 64 characters:
/// what appears in `/reports/{slug}` and `/waitlists/{list}`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid name: use 1 to 64 lower-case letters, digits and hyphens")]
pub struct SlugError(pub String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let ok = !input.is_empty()
            && input.len() <= 64
            && !input.starts_with('-')
            && !input.ends_with('-')
            && !input.contains("--")
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            // Keep the echo short: the input may be anything a visitor typed.
            Err(SlugError(input.chars().take(64).collect()))
        }
    }

    /// Turns a heading or title into a slug ("Mechanism of Action" -> "mechanism-of-action").
    pub fn slugify(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        out.truncate(64);
        while out.ends_with('-') {
            out.pop();
        }
        out
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Slug::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_plain_names_and_refuse_the_rest() {
        assert!(Slug::parse("pilot-course").is_ok());
        assert!(Slug::parse("cohort-2027").is_ok());
        for bad in [
            "",
            "Pilot",
            "a--b",
            "-a",
            "a-",
            "a/b",
            "../etc",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugify_makes_heading_ids() {
        assert_eq!(Slug::slugify("Mechanism of Action"), "mechanism-of-action");
        assert_eq!(
            Slug::slugify("  BDNF & mTOR: signalling!  "),
            "bdnf-mtor-signalling"
        );
        assert_eq!(Slug::slugify("***"), "");
    }
}
