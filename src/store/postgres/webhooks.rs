//! As store/sqlite/webhooks.rs: webhooks and the durable outbox of their deliveries. Each
//! delivery is claimed by one node (`FOR UPDATE SKIP LOCKED`, then a lease another node
//! may take over once it has run out).

use tokio_postgres::Row;

use super::db::{Tx, all, col, exec, one};
use crate::domain::WebhookEvent;
use crate::store::{
    Millis, NewWebhook, StoreResult, WebhookAttempt, WebhookClaim, WebhookDeliveryRow, WebhookJob,
    WebhookRow,
};

/// Queues one delivery of `event` for every webhook that asked for it, inside the
/// caller's transaction (the event's own).
pub async fn queue_event(
    tx: &Tx<'_>,
    event: WebhookEvent,
    subscriber_id: i64,
    data: &str,
    now: Millis,
) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO webhook_deliveries
             (webhook_id, event, subscriber_id, payload, state, attempts, created_at, due_at)
         SELECT id, $1, $2, $3, 'queued', 0, $4, $4 FROM webhooks
         WHERE position(',' || $1 || ',' in ',' || events || ',') > 0",
        &[&event.as_str(), &subscriber_id, &data, &now],
        "queueing webhook deliveries",
    )
    .await?;
    Ok(())
}

pub async fn add(tx: &Tx<'_>, w: &NewWebhook) -> StoreResult<i64> {
    let row = one(
        tx,
        "INSERT INTO webhooks (url, events, include_email, secret_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            &w.url,
            &w.events,
            &i64::from(w.include_email),
            &w.secret_sealed,
            &w.now,
        ],
        "adding a webhook",
    )
    .await?;
    col(&row, 0)
}

pub async fn remove(tx: &Tx<'_>, webhook_id: i64) -> StoreResult<bool> {
    let removed = exec(
        tx,
        "DELETE FROM webhooks WHERE id = $1",
        &[&webhook_id],
        "removing a webhook",
    )
    .await?;
    Ok(removed > 0)
}

pub async fn list(tx: &Tx<'_>) -> StoreResult<Vec<WebhookRow>> {
    all(
        tx,
        "SELECT w.id, w.url, w.events, w.include_email, w.created_at,
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state IN ('queued', 'sending')),
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state = 'delivered'),
                (SELECT COUNT(*) FROM webhook_deliveries d
                 WHERE d.webhook_id = w.id AND d.state = 'failed')
         FROM webhooks w ORDER BY w.id",
        &[],
        "listing webhooks",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(WebhookRow {
            id: col(r, 0)?,
            url: col(r, 1)?,
            events: col(r, 2)?,
            include_email: col::<i64>(r, 3)? != 0,
            created_at: col(r, 4)?,
            queued: col(r, 5)?,
            delivered: col(r, 6)?,
            failed: col(r, 7)?,
        })
    })
    .collect()
}

/// Takes due deliveries (queued and due, or in flight past their lease) and leases them;
/// a row another node is claiming is passed over.
pub async fn claim(tx: &Tx<'_>, claim: &WebhookClaim) -> StoreResult<Vec<WebhookJob>> {
    let rows = all(
        tx,
        "WITH due AS (
             SELECT id FROM webhook_deliveries
             WHERE (state = 'queued' AND due_at <= $1) OR (state = 'sending' AND lease_until <= $1)
             ORDER BY due_at, id LIMIT $3
             FOR UPDATE SKIP LOCKED)
         UPDATE webhook_deliveries d SET state = 'sending', lease_until = $1 + $2
         FROM due WHERE d.id = due.id
         RETURNING d.id",
        &[&claim.now, &claim.lease_ms, &i64::from(claim.limit)],
        "claiming webhook deliveries",
    )
    .await?;
    let ids = rows
        .iter()
        .map(|r| col::<i64>(r, 0))
        .collect::<StoreResult<Vec<_>>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    all(
        tx,
        "SELECT d.id, d.webhook_id, w.url, w.secret_sealed, w.include_email, d.event,
                d.subscriber_id, d.payload, d.attempts, d.created_at,
                CASE WHEN w.include_email <> 0 THEN s.email_sealed END
         FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id
         LEFT JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.id = ANY($1)
         ORDER BY d.due_at, d.id",
        &[&ids],
        "reading claimed webhook deliveries",
    )
    .await?
    .iter()
    .map(job)
    .collect()
}

fn job(r: &Row) -> StoreResult<WebhookJob> {
    Ok(WebhookJob {
        delivery_id: col(r, 0)?,
        webhook_id: col(r, 1)?,
        url: col(r, 2)?,
        secret_sealed: col(r, 3)?,
        include_email: col::<i64>(r, 4)? != 0,
        event: col(r, 5)?,
        subscriber_id: col(r, 6)?,
        data: col(r, 7)?,
        attempts: u32::try_from(col::<i64>(r, 8)?).unwrap_or(u32::MAX),
        created_at: col(r, 9)?,
        email_sealed: col(r, 10)?,
    })
}

/// Records an attempt. Only a delivery still in flight changes.
pub async fn record(tx: &Tx<'_>, a: &WebhookAttempt) -> StoreResult<()> {
    let state = match (&a.error, a.retry_at) {
        (None, _) => "delivered",
        (Some(_), Some(_)) => "queued",
        (Some(_), None) => "failed",
    };
    let status = a.status.map(i64::from);
    exec(
        tx,
        "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, lease_until = NULL,
             last_attempt_at = $3, last_status = $4, last_error = $5,
             due_at = COALESCE($6, due_at),
             delivered_at = CASE WHEN $2 = 'delivered' THEN $3 ELSE delivered_at END
         WHERE id = $1 AND state = 'sending'",
        &[
            &a.delivery_id,
            &state,
            &a.at,
            &status,
            &a.error,
            &a.retry_at,
        ],
        "recording a webhook attempt",
    )
    .await?;
    Ok(())
}

pub async fn deliveries(
    tx: &Tx<'_>,
    webhook_id: i64,
    limit: u32,
) -> StoreResult<Vec<WebhookDeliveryRow>> {
    all(
        tx,
        "SELECT id, webhook_id, event, subscriber_id, state, attempts, created_at, due_at,
                last_attempt_at, last_status, last_error, delivered_at
         FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        &[&webhook_id, &i64::from(limit)],
        "reading a webhook's deliveries",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(WebhookDeliveryRow {
            id: col(r, 0)?,
            webhook_id: col(r, 1)?,
            event: col(r, 2)?,
            subscriber_id: col(r, 3)?,
            state: col(r, 4)?,
            attempts: col(r, 5)?,
            created_at: col(r, 6)?,
            due_at: col(r, 7)?,
            last_attempt_at: col(r, 8)?,
            last_status: col(r, 9)?,
            last_error: col(r, 10)?,
            delivered_at: col(r, 11)?,
        })
    })
    .collect()
}

/// Queues a delivery again, due now, its attempts counted afresh; not one in flight.
pub async fn replay(
    tx: &Tx<'_>,
    webhook_id: i64,
    delivery_id: i64,
    now: Millis,
) -> StoreResult<bool> {
    let changed = exec(
        tx,
        "UPDATE webhook_deliveries SET state = 'queued', due_at = $3, attempts = 0,
             lease_until = NULL
         WHERE id = $2 AND webhook_id = $1 AND state <> 'sending'",
        &[&webhook_id, &delivery_id, &now],
        "replaying a webhook delivery",
    )
    .await?;
    Ok(changed > 0)
}
