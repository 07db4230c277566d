//! The plain data of webhooks and their deliveries, as it crosses the storage boundary,
//! and the one function both backends call to describe an event.

use crate::domain::WebhookEvent;

use super::Millis;

/// A webhook to record; its secret already sealed.
pub struct NewWebhook {
    pub url: String,
    /// `a,b,c` (see [`WebhookEvent::join`]).
    pub events: String,
    pub include_email: bool,
    pub secret_sealed: Vec<u8>,
    pub now: Millis,
}

/// A webhook as the owner sees it (never its secret), with how its deliveries stand. Not
/// `Debug`: its URL's path or query may hold the receiver's token.
#[derive(Clone, serde::Serialize)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub include_email: bool,
    pub created_at: Millis,
    pub queued: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// "Give me up to `limit` deliveries that are due, leased for `lease_ms`."
#[derive(Debug, Clone, Copy)]
pub struct WebhookClaim {
    pub now: Millis,
    pub limit: u32,
    pub lease_ms: Millis,
}

/// A claimed delivery, with what the worker needs to sign and send it.
#[derive(Clone)]
pub struct WebhookJob {
    pub delivery_id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret_sealed: Vec<u8>,
    pub include_email: bool,
    pub event: String,
    pub subscriber_id: i64,
    /// The event's data (JSON object), without any address.
    pub data: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_at: Millis,
    /// The person's sealed address, only for a webhook that includes it and only while
    /// the person's row exists: an erased person's address is gone from here too.
    pub email_sealed: Option<Vec<u8>>,
}

/// What one attempt at a delivery came to.
#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    pub delivery_id: i64,
    pub at: Millis,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// `None` when the receiver answered 2xx.
    pub error: Option<String>,
    /// When to try again; `None` with an error means give up.
    pub retry_at: Option<Millis>,
}

/// One line of a webhook's delivery log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WebhookDeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub subscriber_id: i64,
    /// `queued`, `sending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub created_at: Millis,
    pub due_at: Millis,
    pub last_attempt_at: Option<Millis>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Millis>,
}

/// What an event says about a person: their id and list (and, for an invitation, the
/// cohort), never their address. Both backends store exactly this.
pub fn event_data(subscriber_id: i64, list: &str, cohort: Option<&str>) -> String {
    let mut data = serde_json::json!({ "subscriber_id": subscriber_id, "list": list });
    if let (Some(cohort), Some(map)) = (cohort, data.as_object_mut()) {
        map.insert("cohort".into(), cohort.into());
    }
    data.to_string()
}

/// The event of an answered invitation.
pub fn invitation_event(accepted: bool) -> WebhookEvent {
    if accepted {
        WebhookEvent::InvitationAccepted
    } else {
        WebhookEvent::InvitationDeclined
    }
}
