//! The outbox: claiming due mail (each mail by one node: `FOR UPDATE SKIP LOCKED`, and a
//! lease that another node may take over once it has expired) and recording attempts.

use super::announce::announcement_of_mail;
use super::db::{Tx, all, col, exec, one, opt};
use super::locks::{LockClass, key_of, lock};
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
pub async fn claim_mail(tx: &Tx<'_>, claim: &MailClaim) -> StoreResult<Vec<MailJob>> {
    // The cap and the interval are counted under each address's lock, so two nodes cannot
    // both pass them. Address locks come before any outbox row lock, in one order (as
    // every other holder of several takes them): a signup that holds an address and then
    // supersedes its queued mail can never wait in a circle with a claim.
    let candidates = all(
        tx,
        "SELECT o.id, s.email_index
         FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
         WHERE ((o.state = 'queued' AND o.due_at <= $1)
                OR (o.state = 'sending' AND o.lease_until < $1))
           AND (o.kind != 'announcement' OR NOT EXISTS (
                    SELECT 1 FROM announcement_mails m JOIN announcements a ON a.id = m.announcement_id
                    WHERE m.outbox_id = o.id AND a.state IN ('paused', 'cancelled')))
         ORDER BY o.kind = 'announcement', o.due_at, o.id
         LIMIT $2",
        &[&claim.now, &(claim.limit as i64)],
        "finding due mail",
    )
    .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::with_capacity(candidates.len());
    let mut keys = Vec::with_capacity(candidates.len());
    for row in &candidates {
        ids.push(col::<i64>(row, 0)?);
        keys.push(key_of(&col::<Vec<u8>>(row, 1)?));
    }
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        lock(tx, LockClass::Address, key).await?;
    }
    // Each mail is claimed by one node: a row another node holds is passed over, and one
    // it claimed meanwhile no longer matches.
    let rows = all(
        tx,
        "SELECT o.id, o.kind, o.subscriber_id, o.attempts, s.list, s.email_sealed, s.status,
                o.token_id, s.confirm_seed, s.email_index, s.name_sealed, s.language
         FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
         WHERE o.id = ANY($2)
           AND ((o.state = 'queued' AND o.due_at <= $1)
                OR (o.state = 'sending' AND o.lease_until < $1))
           AND (o.kind != 'announcement' OR NOT EXISTS (
                    SELECT 1 FROM announcement_mails m JOIN announcements a ON a.id = m.announcement_id
                    WHERE m.outbox_id = o.id AND a.state IN ('paused', 'cancelled')))
         ORDER BY o.kind = 'announcement', o.due_at, o.id
         FOR UPDATE OF o SKIP LOCKED",
        &[&claim.now, &ids],
        "claiming due mail",
    )
    .await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = col(&row, 0)?;
        let kind: String = col(&row, 1)?;
        let subscriber_id: i64 = col(&row, 2)?;
        let status: String = col(&row, 6)?;
        let token_id: Option<i64> = col(&row, 7)?;
        let email_index: Vec<u8> = col(&row, 9)?;
        let status = Status::parse(&status).unwrap_or(Status::Unsubscribed);
        let Some(kind) = MailKind::parse(&kind) else {
            skip(tx, id, "unknown kind of mail").await?;
            continue;
        };
        let recent = recent_mails(
            tx,
            &email_index,
            &claim.all_lists,
            claim.now - claim.cap_window,
            claim.now - claim.confirmation_interval,
            claim.now,
        )
        .await?;
        if let Some(reason) = refusal(kind, status, &recent, claim.cap) {
            skip(tx, id, reason).await?;
            continue;
        }
        exec(
            tx,
            "UPDATE outbox SET state = 'sending', lease_until = $2, attempts = attempts + 1,
                 claimed_at = COALESCE(claimed_at, $3)
             WHERE id = $1",
            &[&id, &(claim.now + claim.lease_ms), &claim.now],
            "leasing a mail",
        )
        .await?;
        let token = match (kind, token_id) {
            (MailKind::Confirmation, _) => col::<Option<Vec<u8>>>(&row, 8)?.map(|seed| MailToken {
                purpose: TokenPurpose::Confirm,
                id: subscriber_id,
                seed,
            }),
            (_, Some(token_id)) => mail_token(tx, token_id).await?,
            (_, None) => None,
        };
        let place_in_line = match kind {
            MailKind::Welcome => place_in_line(tx, subscriber_id).await?,
            _ => None,
        };
        let invitation = match (kind, token_id) {
            (MailKind::Invite, Some(token_id)) => opt(
                tx,
                "SELECT c.name, c.starts, i.expires_at FROM invitations i
                 JOIN cohorts c ON c.id = i.cohort_id WHERE i.token_id = $1",
                &[&token_id],
                "reading an invitation",
            )
            .await?
            .map(|r| {
                Ok::<_, crate::store::StoreError>(InvitationMail {
                    cohort: col(&r, 0)?,
                    starts: col(&r, 1)?,
                    expires_at: col(&r, 2)?,
                })
            })
            .transpose()?,
            _ => None,
        };
        let announcement = match kind {
            MailKind::Announcement => announcement_of_mail(tx, id).await?,
            _ => None,
        };
        // Only an announcement may say the person's name; no other mail carries it.
        let name_sealed = match kind {
            MailKind::Announcement => col::<Option<Vec<u8>>>(&row, 10)?,
            _ => None,
        };
        let attempts: i64 = col(&row, 3)?;
        jobs.push(MailJob {
            id,
            kind,
            subscriber_id,
            list: col(&row, 4)?,
            email_sealed: col(&row, 5)?,
            token,
            attempts: attempts as u32,
            place_in_line,
            invitation,
            announcement,
            name_sealed,
            language: col(&row, 11)?,
        });
    }
    Ok(jobs)
}

/// What has gone to one address lately, on every list and before an erasure.
pub async fn recent_mails(
    tx: &Tx<'_>,
    email_index: &[u8],
    lists: &[String],
    cap_since: Millis,
    confirmation_since: Millis,
    now: Millis,
) -> StoreResult<RecentMails> {
    let row = one(
        tx,
        "SELECT COUNT(*) FILTER (WHERE counted_at > $3),
                COUNT(*) FILTER (WHERE kind = 'confirmation' AND counted_at > $4)
         FROM (SELECT o.kind, CASE WHEN o.state = 'sent' THEN o.sent_at
                                   WHEN o.state = 'sending' AND o.lease_until >= $5 THEN o.claimed_at
                              END AS counted_at
               FROM subscribers s JOIN outbox o ON o.subscriber_id = s.id
               WHERE s.list = ANY($1) AND s.email_index = $2
                 AND o.state IN ('sent', 'sending')) AS mails",
        &[&lists, &email_index, &cap_since, &confirmation_since, &now],
        "counting an address's mails",
    )
    .await?;
    let recent = RecentMails {
        all: col(&row, 0)?,
        confirmations: col(&row, 1)?,
    };
    let Some(erased) = opt(
        tx,
        "SELECT recent_mails, last_confirmation_at FROM suppressions WHERE email_index = $1",
        &[&email_index],
        "counting an erased address's mails",
    )
    .await?
    else {
        return Ok(recent);
    };
    let times = erased_mail_times(col(&erased, 0)?);
    Ok(with_erased_mails(
        recent,
        &times,
        col(&erased, 1)?,
        cap_since,
        confirmation_since,
    ))
}

/// The suppression list's JSON array of mail times (unreadable counts as none, as on
/// SQLite).
pub fn erased_mail_times(json: Option<String>) -> Vec<Millis> {
    json.and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

async fn skip(tx: &Tx<'_>, id: i64, reason: &str) -> StoreResult<()> {
    exec(
        tx,
        "UPDATE outbox SET state = 'skipped', lease_until = NULL, last_error = $2 WHERE id = $1",
        &[&id, &reason],
        "skipping a mail",
    )
    .await?;
    Ok(())
}

async fn mail_token(tx: &Tx<'_>, token_id: i64) -> StoreResult<Option<MailToken>> {
    let Some(row) = opt(
        tx,
        "SELECT purpose, seed FROM tokens WHERE id = $1",
        &[&token_id],
        "reading a mail's token",
    )
    .await?
    else {
        return Ok(None);
    };
    let purpose: String = col(&row, 0)?;
    TokenPurpose::parse(&purpose)
        .map(|purpose| {
            col(&row, 1).map(|seed| MailToken {
                purpose,
                id: token_id,
                seed,
            })
        })
        .transpose()
}

/// As on SQLite: a failed attempt gets a row of its own, a success is noted on the mail.
pub async fn record_attempt(tx: &Tx<'_>, a: &MailAttempt) -> StoreResult<()> {
    if a.error.is_some() {
        exec(
            tx,
            "INSERT INTO outbox_attempts (outbox_id, attempted_at, error) VALUES ($1, $2, $3)",
            &[&a.mail_id, &a.at, &a.error],
            "recording a delivery attempt",
        )
        .await?;
    }
    match (&a.error, a.retry_at) {
        (None, _) => {
            let sent = opt(
                tx,
                "UPDATE outbox SET state = 'sent', sent_at = $2, lease_until = NULL,
                     last_error = NULL
                 WHERE id = $1 AND state <> 'sent' RETURNING kind, subscriber_id",
                &[&a.mail_id, &a.at],
                "marking a mail sent",
            )
            .await?;
            if let Some(row) = sent {
                let kind: String = col(&row, 0)?;
                let subscriber_id: i64 = col(&row, 1)?;
                if kind == MailKind::Confirmation.as_str() {
                    exec(
                        tx,
                        "UPDATE subscribers
                         SET last_confirmation_at = GREATEST(COALESCE(last_confirmation_at, 0), $2)
                         WHERE id = $1",
                        &[&subscriber_id, &a.at],
                        "noting a confirmation mail",
                    )
                    .await?;
                }
                bump(tx, &format!("mails.{kind}"), 1).await?;
                // The server took a mail: the mailbox is back (unless a refusal recorded
                // after this hand-over set the mark). Matches, and so locks, only a
                // marked person's row.
                exec(
                    tx,
                    "UPDATE subscribers SET undeliverable_at = NULL, undeliverable_reason = NULL
                     WHERE id = $1 AND undeliverable_at <= $2",
                    &[&subscriber_id, &a.at],
                    "clearing an undeliverable mark",
                )
                .await?;
            }
        }
        (Some(error), Some(retry_at)) => {
            exec(
                tx,
                // Only a mail still in flight: a late record from a claim that lapsed
                // must not reopen a mail another node has sent since.
                "UPDATE outbox SET state = 'queued', due_at = $2, lease_until = NULL,
                     last_error = $3
                 WHERE id = $1 AND state = 'sending'",
                &[&a.mail_id, &retry_at, error],
                "updating a mail's state",
            )
            .await?;
        }
        (Some(error), None) => {
            let failed = opt(
                tx,
                "UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = $2
                 WHERE id = $1 AND state = 'sending' RETURNING subscriber_id",
                &[&a.mail_id, error],
                "updating a mail's state",
            )
            .await?;
            if let (Some(row), Some(said)) = (failed, &a.address_refused) {
                let subscriber_id: i64 = col(&row, 0)?;
                exec(
                    tx,
                    "UPDATE subscribers SET undeliverable_at = $2, undeliverable_reason = $3
                     WHERE id = $1",
                    &[&subscriber_id, &a.at, &refusal_reason(said)],
                    "marking an address undeliverable",
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Mails queued or in flight (the `outbox_due` index answers it).
pub async fn outbox_depth(tx: &Tx<'_>) -> StoreResult<u64> {
    let row = one(
        tx,
        "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')",
        &[],
        "counting the outbox",
    )
    .await?;
    Ok(u64::try_from(col::<i64>(&row, 0)?).unwrap_or(0))
}
