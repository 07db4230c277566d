//! Unsubscribing, a person's own data, erasure, the audit log, retention, counters.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::signup::{insert_token, place_in_line, queue_mail};
use super::webhooks;
use crate::domain::WebhookEvent;
use crate::domain::{Status, TokenPurpose};
use crate::mail::rules::CAP_WINDOW;
use crate::store::event_data;
use crate::store::{
    AccessRequest, AuditEntry, ConsentRecord, MailKind, MailRecord, Millis, RetentionPolicy,
    RetentionReport, StoreResult, SubscriberRecord, Undeliverable, UnsubscribeOutcome,
};

pub fn unsubscribe(
    conn: &Connection,
    subscriber_id: i64,
    now: Millis,
) -> StoreResult<UnsubscribeOutcome> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT list, status FROM subscribers WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("reading a person's status")?;
    let Some((list, status)) = row else {
        return Ok(UnsubscribeOutcome::Unknown);
    };
    let status = Status::parse(&status).unwrap_or(Status::Pending);
    if !status.has_standing_consent() {
        return Ok(UnsubscribeOutcome::NothingToDo { list });
    }
    conn.prepare_cached(
        "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?2 WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![subscriber_id, now]))
    .sql("unsubscribing")?;
    // An open invitation ends with the unsubscribe (its seat is free again): an old
    // accept link must not bring the person back.
    conn.prepare_cached(
        "UPDATE invitations SET state = 'declined', responded_at = ?2
         WHERE subscriber_id = ?1 AND state = 'invited'",
    )
    .and_then(|mut st| st.execute(params![subscriber_id, now]))
    .sql("closing an unsubscribed person's invitation")?;
    bump(conn, "unsubscribes", 1)?;
    webhooks::queue_event(
        conn,
        WebhookEvent::SubscriberUnsubscribed,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        now,
    )?;
    Ok(UnsubscribeOutcome::Unsubscribed { list })
}

pub fn subscriber(conn: &Connection, subscriber_id: i64) -> StoreResult<Option<SubscriberRecord>> {
    type Row = (
        String,
        Vec<u8>,
        Vec<u8>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        String,
        Millis,
        Option<Millis>,
        Option<Millis>,
        Option<i64>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT list, email_index, email_sealed, name_sealed, fields_sealed, status,
                    signed_up_at, confirmed_at, unsubscribed_at, referred_by
             FROM subscribers WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })
            .optional()
        })
        .sql("reading a person")?;
    let Some((
        list,
        email_index,
        email_sealed,
        name_sealed,
        fields_sealed,
        status,
        signed_up_at,
        confirmed_at,
        unsubscribed_at,
        referred_by,
    )) = row
    else {
        return Ok(None);
    };
    let consents = conn
        .prepare_cached(
            "SELECT c.list, c.form, c.text_hash, COALESCE(t.text, ''), c.client_ip,
                    c.submitted_at, c.confirmed_at
             FROM consent_records c LEFT JOIN consent_texts t ON t.hash = c.text_hash
             WHERE c.subscriber_id = ?1 ORDER BY c.id",
        )
        .and_then(|mut st| {
            st.query_map([subscriber_id], |r| {
                Ok(ConsentRecord {
                    list: r.get(0)?,
                    form: r.get(1)?,
                    text_hash: r.get(2)?,
                    text: r.get(3)?,
                    client_ip: r.get(4)?,
                    submitted_at: r.get(5)?,
                    confirmed_at: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .sql("reading consent records")?;
    let mails = conn
        .prepare_cached(
            "SELECT kind, state, created_at, sent_at FROM outbox WHERE subscriber_id = ?1 ORDER BY id",
        )
        .and_then(|mut st| {
            st.query_map([subscriber_id], |r| {
                Ok(MailRecord {
                    kind: r.get(0)?,
                    state: r.get(1)?,
                    created_at: r.get(2)?,
                    sent_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .sql("reading a person's mails")?;
    Ok(Some(SubscriberRecord {
        id: subscriber_id,
        list,
        email_index,
        email_sealed,
        name_sealed,
        fields_sealed,
        status: Status::parse(&status).unwrap_or(Status::Pending),
        signed_up_at,
        confirmed_at,
        unsubscribed_at,
        undeliverable: undeliverable(conn, subscriber_id)?,
        place_in_line: place_in_line(conn, subscriber_id)?,
        referred_by,
        consents,
        mails,
    }))
}

/// The person's undeliverable mark, if their address is refused.
fn undeliverable(conn: &Connection, subscriber_id: i64) -> StoreResult<Option<Undeliverable>> {
    let row: Option<(Option<Millis>, Option<String>)> = conn
        .prepare_cached(
            "SELECT undeliverable_at, undeliverable_reason FROM subscribers WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("reading whether an address is undeliverable")?;
    Ok(row.and_then(|(since, reason)| {
        since.map(|since| Undeliverable {
            since,
            reason: reason.unwrap_or_default(),
        })
    }))
}

pub fn erase(
    conn: &Connection,
    subscriber_id: i64,
    actor: &str,
    now: Millis,
) -> StoreResult<Option<String>> {
    let row: Option<(String, Vec<u8>, Option<Millis>)> = conn
        .prepare_cached(
            "SELECT list, email_index, last_confirmation_at FROM subscribers WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .sql("reading a person to erase")?;
    let Some((list, email_index, last_confirmation_at)) = row else {
        return Ok(None);
    };
    // Only the keyed hash stays: the address is not silently re-added, and the limits
    // (one confirmation a day, the cap on mails in 30 days) still count.
    let recent: Vec<Millis> = conn
        .prepare_cached(
            "SELECT sent_at FROM outbox WHERE subscriber_id = ?1 AND state = 'sent' AND sent_at > ?2
             UNION ALL
             SELECT value FROM suppressions, json_each(suppressions.recent_mails)
             WHERE email_index = ?3 AND value > ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![subscriber_id, now - CAP_WINDOW, email_index], |r| {
                r.get(0)
            })?
            .collect()
        })
        .sql("reading an address's recent mails")?;
    let recent = serde_json::to_string(&recent).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO suppressions (email_index, erased_at, last_confirmation_at, recent_mails)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (email_index) DO UPDATE SET erased_at = excluded.erased_at,
             last_confirmation_at = MAX(COALESCE(last_confirmation_at, 0),
                                        COALESCE(excluded.last_confirmation_at, 0)),
             recent_mails = excluded.recent_mails",
    )
    .and_then(|mut st| st.execute(params![email_index, now, last_confirmation_at, recent]))
    .sql("adding to the suppression list")?;
    // Links, mails and attempts go with the row (ON DELETE CASCADE).
    conn.prepare_cached("DELETE FROM subscribers WHERE id = ?1")
        .and_then(|mut st| st.execute([subscriber_id]))
        .sql("erasing a person")?;
    audit(
        conn,
        &AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: "erase".into(),
            subject: format!("subscriber:{subscriber_id}"),
            rows: 1,
            detail: format!("list {list}"),
        },
    )?;
    bump(conn, "erasures", 1)?;
    // Deliveries still queued for this person carry no address (the worker adds it at
    // send time from the row just deleted), so none goes out with it.
    webhooks::queue_event(
        conn,
        WebhookEvent::SubscriberErased,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        now,
    )?;
    Ok(Some(list))
}

pub fn request_access(conn: &Connection, request: &AccessRequest) -> StoreResult<u64> {
    let mut people = Vec::new();
    for list in &request.all_lists {
        let person: Option<i64> = conn
            .prepare_cached(
                "SELECT id FROM subscribers s
                 WHERE list = ?1 AND email_index = ?2
                   AND status IN ('confirmed', 'invited', 'accepted', 'declined', 'expired')
                   AND NOT EXISTS (SELECT 1 FROM outbox o
                                   WHERE o.subscriber_id = s.id AND o.kind = 'access'
                                     AND o.created_at > ?3
                                     AND o.state IN ('queued', 'sending', 'sent'))",
            )
            .and_then(|mut st| {
                st.query_row(
                    params![list, request.email_index, request.now - request.interval],
                    |r| r.get(0),
                )
                .optional()
            })
            .sql("finding a person to send a manage link to")?;
        people.extend(person);
    }
    for subscriber_id in &people {
        let token_id = insert_token(
            conn,
            *subscriber_id,
            TokenPurpose::Manage,
            &request.token,
            request.now,
        )?;
        queue_mail(
            conn,
            *subscriber_id,
            MailKind::Access,
            Some(token_id),
            request.now,
        )?;
    }
    Ok(people.len() as u64)
}

pub fn audit(conn: &Connection, entry: &AuditEntry) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, subject, rows, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.rows,
            entry.detail
        ])
    })
    .sql("writing the audit log")?;
    match entry.action.as_str() {
        "export" => bump(conn, "exports", 1)?,
        "import" => bump(conn, "imports", 1)?,
        _ => {}
    }
    Ok(())
}

pub fn audit_log(conn: &Connection) -> StoreResult<Vec<AuditEntry>> {
    conn.prepare_cached(
        "SELECT at, actor, action, subject, rows, detail FROM audit_log ORDER BY id",
    )
    .and_then(|mut st| {
        st.query_map([], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                subject: r.get(3)?,
                rows: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect()
    })
    .sql("reading the audit log")
}

pub fn apply_retention(conn: &Connection, p: &RetentionPolicy) -> StoreResult<RetentionReport> {
    let mut pending_deleted = 0;
    for list in &p.lists {
        pending_deleted += conn
            .prepare_cached(
                "DELETE FROM subscribers WHERE list = ?1 AND status = 'pending' AND last_signup_at < ?2",
            )
            .and_then(|mut st| st.execute(params![list, p.now - p.pending]))
            .sql("deleting old unconfirmed signups")? as u64;
    }
    let mails_deleted = conn
        .prepare_cached(
            "DELETE FROM outbox WHERE state IN ('sent', 'skipped', 'failed') AND created_at < ?1",
        )
        .and_then(|mut st| st.execute([p.now - p.mail_history]))
        .sql("deleting old mail records")? as u64;
    let consents_deleted = conn
        .prepare_cached(
            "DELETE FROM consent_records
             WHERE confirmed_at < ?1
               AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = consent_records.subscriber_id)",
        )
        .and_then(|mut st| st.execute([p.now - p.consent_after_erasure]))
        .sql("deleting consent records of erased people")? as u64;
    // Mails never sent count toward no limit: they go once the grace for links is over.
    let skipped_deleted = conn
        .prepare_cached("DELETE FROM outbox WHERE state = 'skipped' AND created_at < ?1")
        .and_then(|mut st| st.execute([p.now - p.expired_links]))
        .sql("deleting mails that were never sent")? as u64;
    // An expired link that no queued mail still carries opens nothing: its row goes.
    let links_deleted = conn
        .prepare_cached(
            "DELETE FROM tokens WHERE expires_at < ?1
               AND NOT EXISTS (SELECT 1 FROM outbox o
                               WHERE o.token_id = tokens.id AND o.state IN ('queued', 'sending'))",
        )
        .and_then(|mut st| st.execute([p.now - p.expired_links]))
        .sql("deleting expired links")? as u64;
    // A webhook's delivery log (person ids) is kept as long as the mail history.
    conn.prepare_cached(
        "DELETE FROM webhook_deliveries WHERE state IN ('delivered', 'failed') AND created_at < ?1",
    )
    .and_then(|mut st| st.execute([p.now - p.mail_history]))
    .sql("deleting old webhook deliveries")?;
    Ok(RetentionReport {
        pending_deleted,
        mails_deleted: mails_deleted + skipped_deleted,
        consents_deleted,
        links_deleted,
    })
}

pub fn counters(conn: &Connection) -> StoreResult<Vec<(String, i64)>> {
    conn.prepare_cached("SELECT name, value FROM counters ORDER BY name")
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .sql("reading counters")
}

/// Adds `by` to a counter, in the caller's transaction.
pub fn bump(conn: &Connection, name: &str, by: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO counters (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
    )
    .and_then(|mut st| st.execute(params![name, by]))
    .sql("counting")?;
    Ok(())
}
