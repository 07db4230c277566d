//! Webhooks and their deliveries: the durable outbox the webhook worker drains.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use crate::domain::WebhookEvent;
use crate::store::{
    Millis, NewWebhook, StoreResult, WebhookAttempt, WebhookClaim, WebhookDeliveryRow, WebhookJob,
    WebhookRow,
};

/// Queues one delivery of `event` for every webhook that asked for it, inside the
/// caller's transaction (the event's own).
pub fn queue_event(
    conn: &Connection,
    event: WebhookEvent,
    subscriber_id: i64,
    data: &str,
    now: Millis,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries
             (webhook_id, event, subscriber_id, payload, state, attempts, created_at, due_at)
         SELECT id, ?1, ?2, ?3, 'queued', 0, ?4, ?4 FROM webhooks
         WHERE instr(',' || events || ',', ',' || ?1 || ',') > 0",
    )
    .and_then(|mut st| st.execute(params![event.as_str(), subscriber_id, data, now]))
    .sql("queueing webhook deliveries")?;
    Ok(())
}

pub fn add(conn: &Connection, w: &NewWebhook) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO webhooks (url, events, include_email, secret_sealed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| {
        st.execute(params![
            w.url,
            w.events,
            i64::from(w.include_email),
            w.secret_sealed,
            w.now
        ])
    })
    .sql("adding a webhook")?;
    Ok(conn.last_insert_rowid())
}

pub fn remove(conn: &Connection, webhook_id: i64) -> StoreResult<bool> {
    let removed = conn
        .prepare_cached("DELETE FROM webhooks WHERE id = ?1")
        .and_then(|mut st| st.execute([webhook_id]))
        .sql("removing a webhook")?;
    Ok(removed > 0)
}

pub fn list(conn: &Connection) -> StoreResult<Vec<WebhookRow>> {
    conn.prepare_cached(
        "SELECT w.id, w.url, w.events, w.include_email, w.created_at,
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state IN ('queued', 'sending')),
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state = 'delivered'),
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state = 'failed')
         FROM webhooks w ORDER BY w.id",
    )
    .and_then(|mut st| {
        st.query_map([], |r| {
            Ok(WebhookRow {
                id: r.get(0)?,
                url: r.get(1)?,
                events: r.get(2)?,
                include_email: r.get::<_, i64>(3)? != 0,
                created_at: r.get(4)?,
                queued: r.get(5)?,
                delivered: r.get(6)?,
                failed: r.get(7)?,
            })
        })?
        .collect()
    })
    .sql("listing webhooks")
}

/// Takes due deliveries (queued and due, or in flight past their lease) and leases them.
/// The one writer thread runs claims one after another, so no two claims overlap.
pub fn claim(conn: &Connection, claim: &WebhookClaim) -> StoreResult<Vec<WebhookJob>> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM webhook_deliveries
             WHERE (state = 'queued' AND due_at <= ?1) OR (state = 'sending' AND lease_until <= ?1)
             ORDER BY due_at, id LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![claim.now, claim.limit], |r| r.get(0))?
                .collect()
        })
        .sql("finding due webhook deliveries")?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        conn.prepare_cached(
            "UPDATE webhook_deliveries SET state = 'sending', lease_until = ?2 WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![id, claim.now + claim.lease_ms]))
        .sql("leasing a webhook delivery")?;
        if let Some(job) = job(conn, id)? {
            jobs.push(job);
        }
    }
    Ok(jobs)
}

fn job(conn: &Connection, delivery_id: i64) -> StoreResult<Option<WebhookJob>> {
    conn.prepare_cached(
        "SELECT d.id, d.webhook_id, w.url, w.secret_sealed, w.include_email, d.event,
                d.subscriber_id, d.payload, d.attempts, d.created_at,
                CASE WHEN w.include_email <> 0 THEN s.email_sealed END
         FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id
         LEFT JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([delivery_id], |r| {
            Ok(WebhookJob {
                delivery_id: r.get(0)?,
                webhook_id: r.get(1)?,
                url: r.get(2)?,
                secret_sealed: r.get(3)?,
                include_email: r.get::<_, i64>(4)? != 0,
                event: r.get(5)?,
                subscriber_id: r.get(6)?,
                data: r.get(7)?,
                attempts: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(u32::MAX),
                created_at: r.get(9)?,
                email_sealed: r.get(10)?,
            })
        })
        .optional()
    })
    .sql("reading a webhook delivery")
}

/// Records an attempt. Only a delivery still in flight changes (one that a replay or
/// another node's claim took over is left to them).
pub fn record(conn: &Connection, a: &WebhookAttempt) -> StoreResult<()> {
    let state = match (&a.error, a.retry_at) {
        (None, _) => "delivered",
        (Some(_), Some(_)) => "queued",
        (Some(_), None) => "failed",
    };
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, lease_until = NULL,
             last_attempt_at = ?3, last_status = ?4, last_error = ?5,
             due_at = COALESCE(?6, due_at),
             delivered_at = CASE WHEN ?2 = 'delivered' THEN ?3 ELSE delivered_at END
         WHERE id = ?1 AND state = 'sending'",
    )
    .and_then(|mut st| {
        st.execute(params![
            a.delivery_id,
            state,
            a.at,
            a.status.map(i64::from),
            a.error,
            a.retry_at
        ])
    })
    .sql("recording a webhook attempt")?;
    Ok(())
}

pub fn deliveries(
    conn: &Connection,
    webhook_id: i64,
    limit: u32,
) -> StoreResult<Vec<WebhookDeliveryRow>> {
    conn.prepare_cached(
        "SELECT id, webhook_id, event, subscriber_id, state, attempts, created_at, due_at,
                last_attempt_at, last_status, last_error, delivered_at
         FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2",
    )
    .and_then(|mut st| {
        st.query_map(params![webhook_id, limit], |r| {
            Ok(WebhookDeliveryRow {
                id: r.get(0)?,
                webhook_id: r.get(1)?,
                event: r.get(2)?,
                subscriber_id: r.get(3)?,
                state: r.get(4)?,
                attempts: r.get(5)?,
                created_at: r.get(6)?,
                due_at: r.get(7)?,
                last_attempt_at: r.get(8)?,
                last_status: r.get(9)?,
                last_error: r.get(10)?,
                delivered_at: r.get(11)?,
            })
        })?
        .collect()
    })
    .sql("reading a webhook's deliveries")
}

/// Queues a delivery again, due now, with its attempts counted afresh. Not one that is
/// in flight this moment; false when there is no such delivery of this webhook.
pub fn replay(
    conn: &Connection,
    webhook_id: i64,
    delivery_id: i64,
    now: Millis,
) -> StoreResult<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE webhook_deliveries SET state = 'queued', due_at = ?3, attempts = 0,
                 lease_until = NULL
             WHERE id = ?2 AND webhook_id = ?1 AND state <> 'sending'",
        )
        .and_then(|mut st| st.execute(params![webhook_id, delivery_id, now]))
        .sql("replaying a webhook delivery")?;
    Ok(changed > 0)
}
