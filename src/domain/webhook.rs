//! What a webhook is made of: the events it can be told about, and the address it is
//! told at, parsed before anything is stored.

use std::fmt;
use std::net::IpAddr;

/// Something that happened to a person that a webhook can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    SubscriberConfirmed,
    SubscriberUnsubscribed,
    SubscriberErased,
    InvitationAccepted,
    InvitationDeclined,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 5] = [
        Self::SubscriberConfirmed,
        Self::SubscriberUnsubscribed,
        Self::SubscriberErased,
        Self::InvitationAccepted,
        Self::InvitationDeclined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SubscriberConfirmed => "subscriber.confirmed",
            Self::SubscriberUnsubscribed => "subscriber.unsubscribed",
            Self::SubscriberErased => "subscriber.erased",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationDeclined => "invitation.declined",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// Parses `a,b,c` (spaces allowed), refusing an unknown name and an empty list;
    /// sorted and without repeats.
    pub fn parse_list(names: &str) -> Result<Vec<Self>, WebhookError> {
        let mut events = Vec::new();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let event =
                Self::parse(name).ok_or_else(|| WebhookError::UnknownEvent(cut(name, 64)))?;
            events.push(event);
        }
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(WebhookError::NoEvents);
        }
        Ok(events)
    }

    /// The stored form of a set of events (`a,b,c`).
    pub fn join(events: &[Self]) -> String {
        events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error(
        "events: {0:?} is not an event (use subscriber.confirmed, subscriber.unsubscribed, subscriber.erased, invitation.accepted, invitation.declined)"
    )]
    UnknownEvent(String),
    #[error("events: name at least one event")]
    NoEvents,
    #[error("url: not a URL ({0})")]
    NotAUrl(String),
    #[error("url: only http and https URLs can receive webhooks")]
    Scheme,
    #[error(
        "url: plain http sends the signed payload unencrypted; use https, a loopback address, or --insecure"
    )]
    Insecure,
    #[error("url: a URL with a user name or password is refused (put credentials elsewhere)")]
    Credentials,
    #[error("url: a URL with a #fragment is refused")]
    Fragment,
    #[error("url: at most 2,000 characters")]
    TooLong,
}

/// The URL a webhook is posted to: http(s), no user or password in it, and https unless
/// the host is a loopback address or the owner said `insecure`.
///
/// Where the URL resolves is the owner's choice: they configure it, so a private address
/// (an internal CRM) is allowed; see the README's note on server-side requests.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(input: &str, insecure: bool) -> Result<Self, WebhookError> {
        let input = input.trim();
        if input.len() > 2000 {
            return Err(WebhookError::TooLong);
        }
        let url = url::Url::parse(input).map_err(|e| WebhookError::NotAUrl(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if insecure || is_loopback(&url) => {}
            "http" => return Err(WebhookError::Insecure),
            _ => return Err(WebhookError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(WebhookError::Fragment);
        }
        if url.host().is_none() {
            return Err(WebhookError::NotAUrl("no host".into()));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Where it goes, without path or query (which may carry a token): for logs and the
    /// audit log.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }
}

/// Shown as its origin only: a path may carry a token.
impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", self.origin())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_sorted_without_repeats_and_refuse_unknown_names() {
        let events =
            WebhookEvent::parse_list("subscriber.erased, subscriber.confirmed,subscriber.erased")
                .unwrap();
        assert_eq!(
            WebhookEvent::join(&events),
            "subscriber.confirmed,subscriber.erased"
        );
        assert!(matches!(
            WebhookEvent::parse_list("subscriber.created"),
            Err(WebhookError::UnknownEvent(_))
        ));
        assert_eq!(WebhookEvent::parse_list(" , "), Err(WebhookError::NoEvents));
    }

    #[test]
    fn plain_http_is_refused_unless_loopback_or_insecure() {
        assert_eq!(
            WebhookUrl::parse("http://example.com/hook", false),
            Err(WebhookError::Insecure)
        );
        assert!(WebhookUrl::parse("http://example.com/hook", true).is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9/hook", false).is_ok());
        assert!(WebhookUrl::parse("http://[::1]:9/hook", false).is_ok());
        assert!(WebhookUrl::parse("http://localhost:9/hook", false).is_ok());
        assert!(WebhookUrl::parse("https://example.com/hook", false).is_ok());
        assert_eq!(
            WebhookUrl::parse("ftp://example.com/", true),
            Err(WebhookError::Scheme)
        );
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_logs_see_only_the_origin() {
        assert_eq!(
            WebhookUrl::parse("https://user:pw@example.com/hook", false),
            Err(WebhookError::Credentials)
        );
        assert_eq!(
            WebhookUrl::parse("https://user@example.com/hook", false),
            Err(WebhookError::Credentials)
        );
        let url = WebhookUrl::parse("https://example.com/hook/t0ken?x=1", false).unwrap();
        assert_eq!(url.origin(), "https://example.com");
        assert!(!format!("{url:?}").contains("t0ken"));
    }
}
