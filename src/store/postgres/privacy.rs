//! Unsubscribing, a person's own data, erasure, the audit log, retention, counters.

use super::db::{Tx, all, col, exec, opt};
use super::locks::lock_address;
use super::mail::erased_mail_times;
use super::signup::{insert_token, place_in_line, queue_mail};
use super::webhooks;
use crate::domain::WebhookEvent;
use crate::domain::{Status, TokenPurpose};
use crate::mail::rules::{CAP_WINDOW, kept_at_erasure};
use crate::store::event_data;
use crate::store::{
    AccessRequest, AuditEntry, ConsentRecord, MailKind, MailRecord, Millis, RetentionPolicy,
    RetentionReport, StoreResult, SubscriberRecord, Undeliverable, UnsubscribeOutcome,
};

pub async fn unsubscribe(
    tx: &Tx<'_>,
    subscriber_id: i64,
    now: Millis,
) -> StoreResult<UnsubscribeOutcome> {
    let Some(row) = opt(
        tx,
        "SELECT list, status FROM subscribers WHERE id = $1 FOR UPDATE",
        &[&subscriber_id],
        "reading a person's status",
    )
    .await?
    else {
        return Ok(UnsubscribeOutcome::Unknown);
    };
    let list: String = col(&row, 0)?;
    let status: String = col(&row, 1)?;
    if !Status::parse(&status)
        .unwrap_or(Status::Pending)
        .has_standing_consent()
    {
        return Ok(UnsubscribeOutcome::NothingToDo { list });
    }
    exec(
        tx,
        "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2 WHERE id = $1",
        &[&subscriber_id, &now],
        "unsubscribing",
    )
    .await?;
    // An open invitation ends with the unsubscribe (its seat is free again).
    exec(
        tx,
        "UPDATE invitations SET state = 'declined', responded_at = $2
         WHERE subscriber_id = $1 AND state = 'invited'",
        &[&subscriber_id, &now],
        "closing an unsubscribed person's invitation",
    )
    .await?;
    bump(tx, "unsubscribes", 1).await?;
    webhooks::queue_event(
        tx,
        WebhookEvent::SubscriberUnsubscribed,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        now,
    )
    .await?;
    Ok(UnsubscribeOutcome::Unsubscribed { list })
}

pub async fn subscriber(tx: &Tx<'_>, subscriber_id: i64) -> StoreResult<Option<SubscriberRecord>> {
    let Some(row) = opt(
        tx,
        "SELECT list, email_index, email_sealed, name_sealed, fields_sealed, status,
                signed_up_at, confirmed_at, unsubscribed_at, referred_by,
                undeliverable_at, undeliverable_reason
         FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading a person",
    )
    .await?
    else {
        return Ok(None);
    };
    let consents = all(
        tx,
        "SELECT c.list, c.form, c.text_hash, COALESCE(t.text, ''), c.client_ip,
                c.submitted_at, c.confirmed_at
         FROM consent_records c LEFT JOIN consent_texts t ON t.hash = c.text_hash
         WHERE c.subscriber_id = $1 ORDER BY c.id",
        &[&subscriber_id],
        "reading consent records",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ConsentRecord {
            list: col(r, 0)?,
            form: col(r, 1)?,
            text_hash: col(r, 2)?,
            text: col(r, 3)?,
            client_ip: col(r, 4)?,
            submitted_at: col(r, 5)?,
            confirmed_at: col(r, 6)?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    let mails = all(
        tx,
        "SELECT kind, state, created_at, sent_at FROM outbox WHERE subscriber_id = $1 ORDER BY id",
        &[&subscriber_id],
        "reading a person's mails",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(MailRecord {
            kind: col(r, 0)?,
            state: col(r, 1)?,
            created_at: col(r, 2)?,
            sent_at: col(r, 3)?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    let status: String = col(&row, 5)?;
    let undeliverable_at: Option<Millis> = col(&row, 10)?;
    let reason: Option<String> = col(&row, 11)?;
    let undeliverable = undeliverable_at.map(|since| Undeliverable {
        since,
        reason: reason.unwrap_or_default(),
    });
    Ok(Some(SubscriberRecord {
        id: subscriber_id,
        list: col(&row, 0)?,
        email_index: col(&row, 1)?,
        email_sealed: col(&row, 2)?,
        name_sealed: col(&row, 3)?,
        fields_sealed: col(&row, 4)?,
        status: Status::parse(&status).unwrap_or(Status::Pending),
        signed_up_at: col(&row, 6)?,
        confirmed_at: col(&row, 7)?,
        unsubscribed_at: col(&row, 8)?,
        undeliverable,
        place_in_line: place_in_line(tx, subscriber_id).await?,
        referred_by: col(&row, 9)?,
        consents,
        mails,
    }))
}

/// Erases a person under their address's lock: a signup, import or claim of the same
/// address on another node waits, then sees the suppression.
pub async fn erase(
    tx: &Tx<'_>,
    subscriber_id: i64,
    actor: &str,
    now: Millis,
) -> StoreResult<Option<String>> {
    let Some(row) = opt(
        tx,
        "SELECT email_index FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading a person to erase",
    )
    .await?
    else {
        return Ok(None);
    };
    let email_index: Vec<u8> = col(&row, 0)?;
    lock_address(tx, &email_index).await?;
    let Some(row) = opt(
        tx,
        "SELECT list, last_confirmation_at FROM subscribers WHERE id = $1 FOR UPDATE",
        &[&subscriber_id],
        "reading a person to erase",
    )
    .await?
    else {
        return Ok(None);
    };
    let list: String = col(&row, 0)?;
    let last_confirmation_at: Option<Millis> = col(&row, 1)?;
    // Only the keyed hash stays, with what the limits still count.
    let sent = all(
        tx,
        "SELECT sent_at FROM outbox
         WHERE subscriber_id = $1 AND state = 'sent' AND sent_at > $2",
        &[&subscriber_id, &(now - CAP_WINDOW)],
        "reading an address's recent mails",
    )
    .await?
    .iter()
    .map(|r| col::<Millis>(r, 0))
    .collect::<StoreResult<Vec<_>>>()?;
    let before = opt(
        tx,
        "SELECT recent_mails FROM suppressions WHERE email_index = $1",
        &[&email_index],
        "reading an address's recent mails",
    )
    .await?
    .map(|r| col::<Option<String>>(&r, 0))
    .transpose()?
    .flatten();
    let kept = kept_at_erasure(&sent, &erased_mail_times(before), now);
    let kept = serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into());
    exec(
        tx,
        "INSERT INTO suppressions AS s (email_index, erased_at, last_confirmation_at, recent_mails)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (email_index) DO UPDATE SET erased_at = EXCLUDED.erased_at,
             last_confirmation_at = GREATEST(COALESCE(s.last_confirmation_at, 0),
                                             COALESCE(EXCLUDED.last_confirmation_at, 0)),
             recent_mails = EXCLUDED.recent_mails",
        &[&email_index, &now, &last_confirmation_at, &kept],
        "adding to the suppression list",
    )
    .await?;
    exec(
        tx,
        "DELETE FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "erasing a person",
    )
    .await?;
    audit(
        tx,
        &AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: "erase".into(),
            subject: format!("subscriber:{subscriber_id}"),
            rows: 1,
            detail: format!("list {list}"),
        },
    )
    .await?;
    bump(tx, "erasures", 1).await?;
    // Queued deliveries carry no address (added at send time from the deleted row).
    webhooks::queue_event(
        tx,
        WebhookEvent::SubscriberErased,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        now,
    )
    .await?;
    Ok(Some(list))
}

/// One manage link a day per person, whoever asks: counted under the address's lock, so
/// asking on two nodes at once queues one mail.
pub async fn request_access(tx: &Tx<'_>, request: &AccessRequest) -> StoreResult<u64> {
    lock_address(tx, &request.email_index).await?;
    let people = all(
        tx,
        "SELECT id FROM subscribers s
         WHERE list = ANY($1) AND email_index = $2
           AND status IN ('confirmed', 'invited', 'accepted', 'declined', 'expired')
           AND NOT EXISTS (SELECT 1 FROM outbox o
                           WHERE o.subscriber_id = s.id AND o.kind = 'access'
                             AND o.created_at > $3
                             AND o.state IN ('queued', 'sending', 'sent'))
         ORDER BY id",
        &[
            &request.all_lists,
            &&request.email_index[..],
            &(request.now - request.interval),
        ],
        "finding a person to send a manage link to",
    )
    .await?
    .iter()
    .map(|r| col::<i64>(r, 0))
    .collect::<StoreResult<Vec<_>>>()?;
    for subscriber_id in &people {
        let token_id = insert_token(
            tx,
            *subscriber_id,
            TokenPurpose::Manage,
            &request.token,
            request.now,
        )
        .await?;
        queue_mail(
            tx,
            *subscriber_id,
            MailKind::Access,
            Some(token_id),
            request.now,
        )
        .await?;
    }
    Ok(people.len() as u64)
}

pub async fn audit(tx: &Tx<'_>, entry: &AuditEntry) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO audit_log (at, actor, action, subject, rows, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &entry.at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.rows,
            &entry.detail,
        ],
        "writing the audit log",
    )
    .await?;
    match entry.action.as_str() {
        "export" => bump(tx, "exports", 1).await?,
        "import" => bump(tx, "imports", 1).await?,
        _ => {}
    }
    Ok(())
}

pub async fn audit_log(tx: &Tx<'_>) -> StoreResult<Vec<AuditEntry>> {
    all(
        tx,
        "SELECT at, actor, action, subject, rows, detail FROM audit_log ORDER BY id",
        &[],
        "reading the audit log",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            at: col(r, 0)?,
            actor: col(r, 1)?,
            action: col(r, 2)?,
            subject: col(r, 3)?,
            rows: col(r, 4)?,
            detail: col(r, 5)?,
        })
    })
    .collect()
}

pub async fn apply_retention(tx: &Tx<'_>, p: &RetentionPolicy) -> StoreResult<RetentionReport> {
    let pending_deleted = exec(
        tx,
        "DELETE FROM subscribers
         WHERE list = ANY($1) AND status = 'pending' AND last_signup_at < $2",
        &[&p.lists, &(p.now - p.pending)],
        "deleting old unconfirmed signups",
    )
    .await?;
    let mails_deleted = exec(
        tx,
        "DELETE FROM outbox WHERE state IN ('sent', 'skipped', 'failed') AND created_at < $1",
        &[&(p.now - p.mail_history)],
        "deleting old mail records",
    )
    .await?;
    let consents_deleted = exec(
        tx,
        "DELETE FROM consent_records
         WHERE confirmed_at < $1
           AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = consent_records.subscriber_id)",
        &[&(p.now - p.consent_after_erasure)],
        "deleting consent records of erased people",
    )
    .await?;
    let skipped_deleted = exec(
        tx,
        "DELETE FROM outbox WHERE state = 'skipped' AND created_at < $1",
        &[&(p.now - p.expired_links)],
        "deleting mails that were never sent",
    )
    .await?;
    let links_deleted = exec(
        tx,
        "DELETE FROM tokens WHERE expires_at < $1
           AND NOT EXISTS (SELECT 1 FROM outbox o
                           WHERE o.token_id = tokens.id AND o.state IN ('queued', 'sending'))",
        &[&(p.now - p.expired_links)],
        "deleting expired links",
    )
    .await?;
    // A webhook's delivery log (person ids) is kept as long as the mail history.
    exec(
        tx,
        "DELETE FROM webhook_deliveries WHERE state IN ('delivered', 'failed') AND created_at < $1",
        &[&(p.now - p.mail_history)],
        "deleting old webhook deliveries",
    )
    .await?;
    Ok(RetentionReport {
        pending_deleted,
        mails_deleted: mails_deleted + skipped_deleted,
        consents_deleted,
        links_deleted,
    })
}

pub async fn counters(tx: &Tx<'_>) -> StoreResult<Vec<(String, i64)>> {
    all(
        tx,
        "SELECT name, value FROM counters ORDER BY name",
        &[],
        "reading counters",
    )
    .await?
    .iter()
    .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
    .collect()
}

/// Adds `by` to a counter, in the caller's transaction.
pub async fn bump(tx: &Tx<'_>, name: &str, by: i64) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO counters AS c (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = c.value + EXCLUDED.value",
        &[&name, &by],
        "counting",
    )
    .await?;
    Ok(())
}
