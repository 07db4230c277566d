//! The JSON a receiver gets. The person is named by id; their address is added only for
//! a webhook that includes it, from their row at send time.

use serde_json::{Map, Value};

use crate::store::WebhookJob;

/// `{"id": "whd_12", "event": "...", "created_at": "RFC 3339", "data": {...}}`, with
/// `data.email` when `email` is given.
pub fn render(job: &WebhookJob, email: Option<&str>) -> anyhow::Result<String> {
    let mut data: Map<String, Value> = serde_json::from_str(&job.data)
        .map_err(|e| anyhow::anyhow!("a queued webhook payload is not a JSON object: {e}"))?;
    if let Some(email) = email {
        data.insert("email".into(), email.into());
    }
    let created_at =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(job.created_at) * 1_000_000)?
            .format(&time::format_description::well_known::Rfc3339)?;
    let body = serde_json::json!({
        "id": format!("whd_{}", job.delivery_id),
        "event": job.event,
        "created_at": created_at,
        "data": data,
    });
    Ok(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> WebhookJob {
        WebhookJob {
            delivery_id: 12,
            webhook_id: 3,
            url: "https://example.com/".into(),
            secret_sealed: Vec::new(),
            include_email: false,
            event: "subscriber.confirmed".into(),
            subscriber_id: 7,
            data: crate::store::event_data(7, "pilot-course", None),
            attempts: 0,
            created_at: 1_800_000_000_000,
            email_sealed: None,
        }
    }

    #[test]
    fn the_body_names_the_person_by_id_and_adds_the_address_only_when_given() {
        let plain: Value = serde_json::from_str(&render(&job(), None).unwrap()).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({
                "id": "whd_12",
                "event": "subscriber.confirmed",
                "created_at": "2027-01-15T08:00:00Z",
                "data": {"subscriber_id": 7, "list": "pilot-course"},
            })
        );
        let with: Value =
            serde_json::from_str(&render(&job(), Some("ada@example.com")).unwrap()).unwrap();
        assert_eq!(with["data"]["email"], "ada@example.com");
    }
}
