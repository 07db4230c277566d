//! The outbox: claiming due mail and recording each attempt.

use rusqlite::{Connection, params};

use super::errors::SqlContext;
use super::signup::place_in_line;
use crate::domain::{Status, TokenPurpose};
use crate::store::{MailAttempt, MailClaim, MailJob, MailKind, StoreResult};

pub fn claim_mail(conn: &Connection, claim: &MailClaim) -> StoreResult<Vec<MailJob>> {
    type Row = (i64, String, i64, i64, String, Vec<u8>, String);
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT o.id, o.kind, o.subscriber_id, o.attempts, s.list, s.email_sealed, s.status
             FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
             WHERE (o.state = 'queued' AND o.due_at <= ?1)
                OR (o.state = 'sending' AND o.lease_until < ?1)
             ORDER BY o.due_at, o.id
             LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![claim.now, claim.limit as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect()
        })
        .sql("finding due mail")?;

    let mut jobs = Vec::with_capacity(rows.len());
    for (id, kind, subscriber_id, attempts, list, email_sealed, status) in rows {
        let status = Status::parse(&status).unwrap_or(Status::Unsubscribed);
        let Some(kind) = MailKind::parse(&kind) else {
            skip(conn, id, "unknown kind of mail")?;
            continue;
        };
        // Checked again here, where mail leaves for SMTP, whatever queued it.
        if let Some(reason) = refusal(kind, status) {
            skip(conn, id, reason)?;
            continue;
        }
        conn.prepare_cached(
            "UPDATE outbox SET state = 'sending', lease_until = ?2, attempts = attempts + 1
             WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![id, claim.now + claim.lease_ms]))
        .sql("leasing a mail")?;
        let tokens = mail_tokens(conn, id)?;
        let place = match kind {
            MailKind::Welcome => place_in_line(conn, subscriber_id)?,
            _ => None,
        };
        jobs.push(MailJob {
            id,
            kind,
            subscriber_id,
            list,
            email_sealed,
            tokens,
            attempts: attempts as u32,
            place_in_line: place,
        });
    }
    Ok(jobs)
}

/// Why this mail may not go to this person now, if it may not.
fn refusal(kind: MailKind, status: Status) -> Option<&'static str> {
    match kind {
        MailKind::Confirmation if status.has_standing_consent() => Some("already confirmed"),
        MailKind::Confirmation => None,
        _ if !status.has_standing_consent() => Some("no standing consent"),
        _ => None,
    }
}

fn skip(conn: &Connection, id: i64, reason: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'skipped', lease_until = NULL, last_error = ?2 WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![id, reason]))
    .sql("skipping a mail")?;
    Ok(())
}

fn mail_tokens(conn: &Connection, mail_id: i64) -> StoreResult<Vec<(TokenPurpose, Vec<u8>)>> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT t.purpose, t.seed FROM outbox_tokens ot JOIN tokens t ON t.id = ot.token_id
             WHERE ot.outbox_id = ?1 ORDER BY t.id",
        )
        .and_then(|mut st| {
            st.query_map([mail_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .sql("reading a mail's tokens")?;
    Ok(rows
        .into_iter()
        .filter_map(|(purpose, seed)| TokenPurpose::parse(&purpose).map(|p| (p, seed)))
        .collect())
}

pub fn record_attempt(conn: &Connection, a: &MailAttempt) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO outbox_attempts (outbox_id, attempted_at, error) VALUES (?1, ?2, ?3)",
    )
    .and_then(|mut st| st.execute(params![a.mail_id, a.at, a.error]))
    .sql("recording a delivery attempt")?;
    let updated = match (&a.error, a.retry_at) {
        (None, _) => conn
            .prepare_cached(
                "UPDATE outbox SET state = 'sent', sent_at = ?2, lease_until = NULL,
                     last_error = NULL
                 WHERE id = ?1",
            )
            .and_then(|mut st| st.execute(params![a.mail_id, a.at])),
        (Some(error), Some(retry_at)) => conn
            .prepare_cached(
                "UPDATE outbox SET state = 'queued', due_at = ?2, lease_until = NULL,
                     last_error = ?3
                 WHERE id = ?1",
            )
            .and_then(|mut st| st.execute(params![a.mail_id, retry_at, error])),
        (Some(error), None) => conn
            .prepare_cached(
                "UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = ?2
                 WHERE id = ?1",
            )
            .and_then(|mut st| st.execute(params![a.mail_id, error])),
    };
    updated.sql("updating a mail's state")?;
    Ok(())
}
