//! Where a person stands on a waitlist (see PRODUCT.md for the life cycle).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Confirmed,
    Invited,
    Accepted,
    Declined,
    Expired,
    Unsubscribed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Confirmed,
        Status::Invited,
        Status::Accepted,
        Status::Declined,
        Status::Expired,
        Status::Unsubscribed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Invited => "invited",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Unsubscribed => "unsubscribed",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == input)
    }

    /// Has this person given consent that still stands (and so may get mail after the
    /// confirmation)?
    pub fn has_standing_consent(self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::Invited | Self::Accepted | Self::Declined | Self::Expired
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_only_consenting_ones_may_get_mail() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert!(!Status::Pending.has_standing_consent());
        assert!(!Status::Unsubscribed.has_standing_consent());
        assert!(Status::Confirmed.has_standing_consent());
        assert_eq!(Status::parse("nonsense"), None);
    }
}
