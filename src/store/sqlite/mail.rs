//! The outbox: claiming due mail and recording each attempt.

use rusqlite::{Connection, OptionalExtension, params};

use super::announce::announcement_of_mail;
use super::errors::SqlContext;
use super::privacy::bump;
use super::signup::place_in_line;
use crate::domain::{Status, TokenPurpose};
use crate::mail::redact::refusal_reason;
use crate::mail::rules::{refusal, with_erased_mails};
use crate::store::{
    InvitationMail, MailAttempt, MailClaim, MailJob, MailKind, MailToken, Millis, RecentMails,
    StoreResult,
};

/// Due mail, transactional mail first (a confirmation never waits behind an
/// announcement), and never a mail of a paused or cancelled announcement run.
pub fn claim_mail(conn: &Connection, claim: &MailClaim) -> StoreResult<Vec<MailJob>> {
    type Row = (
        i64,
        String,
        i64,
        i64,
        String,
        Vec<u8>,
        String,
        Option<i64>,
        Option<Vec<u8>>,
        Vec<u8>,
        Option<Vec<u8>>,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT o.id, o.kind, o.subscriber_id, o.attempts, s.list, s.email_sealed, s.status,
                    o.token_id, s.confirm_seed, s.email_index, s.name_sealed, s.language
             FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
             WHERE ((o.state = 'queued' AND o.due_at <= ?1)
                    OR (o.state = 'sending' AND o.lease_until < ?1))
               AND (o.kind != 'announcement' OR NOT EXISTS (
                        SELECT 1 FROM announcement_mails m JOIN announcements a ON a.id = m.announcement_id
                        WHERE m.outbox_id = o.id AND a.state IN ('paused', 'cancelled')))
             ORDER BY o.kind = 'announcement', o.due_at, o.id
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
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })?
            .collect()
        })
        .sql("finding due mail")?;

    let mut jobs = Vec::with_capacity(rows.len());
    for (
        id,
        kind,
        subscriber_id,
        attempts,
        list,
        email_sealed,
        status,
        token_id,
        confirm_seed,
        email_index,
        name_sealed,
        language,
    ) in rows
    {
        let status = Status::parse(&status).unwrap_or(Status::Unsubscribed);
        let Some(kind) = MailKind::parse(&kind) else {
            skip(conn, id, "unknown kind of mail")?;
            continue;
        };
        // Checked again here, where mail leaves for SMTP, whatever queued it.
        let recent = recent_mails(
            conn,
            &email_index,
            &claim.all_lists,
            claim.now - claim.cap_window,
            claim.now - claim.confirmation_interval,
            claim.now,
        )?;
        if let Some(reason) = refusal(kind, status, &recent, claim.cap) {
            skip(conn, id, reason)?;
            continue;
        }
        // Nothing is noted against the address here: a mail counts once the SMTP server
        // has accepted it (`record_attempt`), or while another node or round has it in
        // flight (the lease), never for an attempt that failed.
        conn.prepare_cached(
            "UPDATE outbox SET state = 'sending', lease_until = ?2, attempts = attempts + 1,
                 claimed_at = COALESCE(claimed_at, ?3)
             WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![id, claim.now + claim.lease_ms, claim.now]))
        .sql("leasing a mail")?;
        let token = match (kind, token_id) {
            (MailKind::Confirmation, _) => confirm_seed.map(|seed| MailToken {
                purpose: TokenPurpose::Confirm,
                id: subscriber_id,
                seed,
            }),
            (_, Some(token_id)) => mail_token(conn, token_id)?,
            (_, None) => None,
        };
        let place = match kind {
            MailKind::Welcome => place_in_line(conn, subscriber_id)?,
            _ => None,
        };
        let invitation = match (kind, token_id) {
            (MailKind::Invite, Some(token_id)) => conn
                .prepare_cached(
                    "SELECT c.name, c.starts, i.expires_at FROM invitations i
                     JOIN cohorts c ON c.id = i.cohort_id WHERE i.token_id = ?1",
                )
                .and_then(|mut st| {
                    st.query_row([token_id], |r| {
                        Ok(InvitationMail {
                            cohort: r.get(0)?,
                            starts: r.get(1)?,
                            expires_at: r.get(2)?,
                        })
                    })
                    .optional()
                })
                .sql("reading an invitation")?,
            _ => None,
        };
        let announcement = match kind {
            MailKind::Announcement => announcement_of_mail(conn, id)?,
            _ => None,
        };
        jobs.push(MailJob {
            id,
            kind,
            subscriber_id,
            list,
            email_sealed,
            token,
            attempts: attempts as u32,
            place_in_line: place,
            invitation,
            // Only an announcement may say the person's name; no other mail carries it.
            name_sealed: name_sealed.filter(|_| kind == MailKind::Announcement),
            announcement,
            language,
        });
    }
    Ok(jobs)
}

/// Both counts in one pass over the address's rows and one read of the suppression list.
pub(super) fn recent_mails(
    conn: &Connection,
    email_index: &[u8],
    lists: &[String],
    cap_since: Millis,
    confirmation_since: Millis,
    now: Millis,
) -> StoreResult<RecentMails> {
    let mut recent = RecentMails {
        all: 0,
        confirmations: 0,
    };
    for list in lists {
        let (all, confirmations): (i64, i64) = conn
            .prepare_cached(
                "SELECT COUNT(*) FILTER (WHERE counted_at > ?3),
                        COUNT(*) FILTER (WHERE kind = 'confirmation' AND counted_at > ?4)
                 FROM (SELECT kind, CASE WHEN state = 'sent' THEN sent_at
                                         WHEN state = 'sending' AND lease_until >= ?5 THEN claimed_at
                                    END AS counted_at
                       FROM outbox
                       WHERE subscriber_id = (SELECT id FROM subscribers WHERE list = ?1 AND email_index = ?2)
                         AND state IN ('sent', 'sending'))",
            )
            .and_then(|mut st| {
                st.query_row(
                    params![list, email_index, cap_since, confirmation_since, now],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .sql("counting an address's mails")?;
        recent.all += all;
        recent.confirmations += confirmations;
    }
    let before_erasure: Option<(Option<String>, Option<Millis>)> = conn
        .prepare_cached(
            "SELECT recent_mails, last_confirmation_at FROM suppressions WHERE email_index = ?1",
        )
        .and_then(|mut st| {
            st.query_row([email_index], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("counting an erased address's mails")?;
    if let Some((mails, last_confirmation)) = before_erasure {
        let times: Vec<Millis> = mails
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        recent = with_erased_mails(
            recent,
            &times,
            last_confirmation,
            cap_since,
            confirmation_since,
        );
    }
    Ok(recent)
}

fn skip(conn: &Connection, id: i64, reason: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'skipped', lease_until = NULL, last_error = ?2 WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![id, reason]))
    .sql("skipping a mail")?;
    Ok(())
}

fn mail_token(conn: &Connection, token_id: i64) -> StoreResult<Option<MailToken>> {
    let row: Option<(String, Vec<u8>)> = conn
        .prepare_cached("SELECT purpose, seed FROM tokens WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([token_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("reading a mail's token")?;
    Ok(row.and_then(|(purpose, seed)| {
        TokenPurpose::parse(&purpose).map(|purpose| MailToken {
            purpose,
            id: token_id,
            seed,
        })
    }))
}

/// A failed attempt gets a row of its own in `outbox_attempts`; a success is recorded on
/// the mail itself (`sent_at`, and `attempts` counts the tries), which halves the writes
/// per mail in the common case.
pub fn record_attempt(conn: &Connection, a: &MailAttempt) -> StoreResult<()> {
    if a.error.is_some() {
        conn.prepare_cached(
            "INSERT INTO outbox_attempts (outbox_id, attempted_at, error) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut st| st.execute(params![a.mail_id, a.at, a.error]))
        .sql("recording a delivery attempt")?;
    }
    match (&a.error, a.retry_at) {
        (None, _) => {
            let sent: Option<(String, i64)> = conn
                .prepare_cached(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, lease_until = NULL,
                         last_error = NULL
                     WHERE id = ?1 AND state != 'sent' RETURNING kind, subscriber_id",
                )
                .and_then(|mut st| {
                    st.query_row(params![a.mail_id, a.at], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .sql("marking a mail sent")?;
            if let Some((kind, subscriber_id)) = sent {
                if kind == MailKind::Confirmation.as_str() {
                    // The one-a-day limit counts from a confirmation mail that SMTP took.
                    conn.prepare_cached(
                        "UPDATE subscribers SET last_confirmation_at = MAX(COALESCE(last_confirmation_at, 0), ?2)
                         WHERE id = ?1",
                    )
                    .and_then(|mut st| st.execute(params![subscriber_id, a.at]))
                    .sql("noting a confirmation mail")?;
                }
                bump(conn, &format!("mails.{kind}"), 1)?;
                // The server took a mail: the mailbox is back (unless a refusal recorded
                // after this hand-over set the mark).
                conn.prepare_cached(
                    "UPDATE subscribers SET undeliverable_at = NULL, undeliverable_reason = NULL
                     WHERE id = ?1 AND undeliverable_at <= ?2",
                )
                .and_then(|mut st| st.execute(params![subscriber_id, a.at]))
                .sql("clearing an undeliverable mark")?;
            }
        }
        (Some(error), Some(retry_at)) => {
            conn.prepare_cached(
                // Only a mail still in flight: a late record from a claim that lapsed
                // must not reopen a mail another node has sent since.
                "UPDATE outbox SET state = 'queued', due_at = ?2, lease_until = NULL,
                     last_error = ?3
                 WHERE id = ?1 AND state = 'sending'",
            )
            .and_then(|mut st| st.execute(params![a.mail_id, retry_at, error]))
            .sql("updating a mail's state")?;
        }
        (Some(error), None) => {
            let failed: Option<i64> = conn
                .prepare_cached(
                    "UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = ?2
                     WHERE id = ?1 AND state = 'sending' RETURNING subscriber_id",
                )
                .and_then(|mut st| {
                    st.query_row(params![a.mail_id, error], |r| r.get(0))
                        .optional()
                })
                .sql("updating a mail's state")?;
            if let (Some(subscriber_id), Some(said)) = (failed, &a.address_refused) {
                conn.prepare_cached(
                    "UPDATE subscribers SET undeliverable_at = ?2, undeliverable_reason = ?3
                     WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![subscriber_id, a.at, refusal_reason(said)]))
                .sql("marking an address undeliverable")?;
            }
        }
    }
    Ok(())
}

/// Mails queued or in flight (the `outbox_due` index answers it).
pub fn outbox_depth(conn: &Connection) -> StoreResult<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')")
        .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)))
        .sql("counting the outbox")
        .map(|n| u64::try_from(n).unwrap_or(0))
}
