//! The signup and confirmation transactions.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use crate::domain::{Status, TokenPurpose};
use crate::store::{
    ConfirmOutcome, Confirmation, MailKind, Millis, NewSignup, NewToken, SignupOutcome,
    StoreResult, TokenLookup,
};

pub fn record_signup(conn: &Connection, s: &NewSignup) -> StoreResult<SignupOutcome> {
    conn.prepare_cached(
        "INSERT INTO consent_texts (hash, text, first_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO NOTHING",
    )
    .and_then(|mut st| st.execute(params![s.consent.text_hash, s.consent.text, s.now]))
    .sql("storing the consent text")?;

    // Every address takes this same statement, new or known, so the work done (and the
    // time taken) does not depend on who is on the list.
    let (subscriber_id, status): (i64, String) = conn
        .prepare_cached(
            "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed, fields_sealed,
                 status, signed_up_at, last_signup_at, referral_code, referred_by,
                 pending_form, pending_text_hash, pending_client_ip, pending_submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7,
                 (SELECT id FROM subscribers WHERE list = ?1 AND referral_code = ?8),
                 ?9, ?10, ?11, ?12)
             ON CONFLICT (list, email_index) DO UPDATE SET
                 last_signup_at = excluded.last_signup_at,
                 name_sealed = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.name_sealed ELSE name_sealed END,
                 fields_sealed = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.fields_sealed ELSE fields_sealed END,
                 pending_form = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.pending_form ELSE pending_form END,
                 pending_text_hash = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.pending_text_hash ELSE pending_text_hash END,
                 pending_client_ip = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.pending_client_ip ELSE pending_client_ip END,
                 pending_submitted_at = CASE WHEN status IN ('pending', 'unsubscribed')
                     THEN excluded.pending_submitted_at ELSE pending_submitted_at END
             RETURNING id, status",
        )
        .and_then(|mut st| {
            st.query_row(
                params![
                    s.list,
                    s.email_index,
                    s.email_sealed,
                    s.name_sealed,
                    s.fields_sealed,
                    s.now,
                    new_referral_code(),
                    s.referred_by_code,
                    s.consent.form,
                    s.consent.text_hash,
                    s.consent.client_ip,
                    s.consent.submitted_at,
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .sql("recording the signup")?;

    let awaiting_confirmation = matches!(
        Status::parse(&status),
        Some(Status::Pending | Status::Unsubscribed)
    );
    if !awaiting_confirmation {
        return Ok(SignupOutcome::AlreadyConsented { subscriber_id });
    }

    // One confirmation mail per address per interval, counted by a keyed hash of the
    // address (across lists, and surviving erasure of the person).
    let allowed: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO confirmation_throttle (address_key, last_sent_at) VALUES (?1, ?2)
             ON CONFLICT (address_key) DO UPDATE SET last_sent_at = excluded.last_sent_at
                 WHERE last_sent_at <= excluded.last_sent_at - ?3
             RETURNING 1",
        )
        .and_then(|mut st| {
            st.query_row(
                params![s.throttle_key, s.now, s.confirmation_interval],
                |r| r.get(0),
            )
            .optional()
        })
        .sql("checking the confirmation limit")?;
    if allowed.is_none() {
        return Ok(SignupOutcome::Throttled { subscriber_id });
    }

    let token_id = insert_token(
        conn,
        subscriber_id,
        TokenPurpose::Confirm,
        &s.confirm_token,
        s.now,
    )?;
    queue_mail(
        conn,
        subscriber_id,
        MailKind::Confirmation,
        &[token_id],
        s.now,
    )?;
    Ok(SignupOutcome::ConfirmationQueued { subscriber_id })
}

pub fn insert_token(
    conn: &Connection,
    subscriber_id: i64,
    purpose: TokenPurpose,
    token: &NewToken,
    now: Millis,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO tokens (subscriber_id, purpose, seed, hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
    )
    .and_then(|mut st| {
        st.query_row(
            params![
                subscriber_id,
                purpose.as_str(),
                token.seed,
                token.hash,
                now,
                token.expires_at
            ],
            |r| r.get(0),
        )
    })
    .sql("storing a link token")
}

pub fn queue_mail(
    conn: &Connection,
    subscriber_id: i64,
    kind: MailKind,
    token_ids: &[i64],
    now: Millis,
) -> StoreResult<i64> {
    let mail_id: i64 = conn
        .prepare_cached(
            "INSERT INTO outbox (subscriber_id, kind, state, created_at, due_at)
             VALUES (?1, ?2, 'queued', ?3, ?3) RETURNING id",
        )
        .and_then(|mut st| st.query_row(params![subscriber_id, kind.as_str(), now], |r| r.get(0)))
        .sql("queueing a mail")?;
    for token_id in token_ids {
        conn.prepare_cached("INSERT INTO outbox_tokens (outbox_id, token_id) VALUES (?1, ?2)")
            .and_then(|mut st| st.execute(params![mail_id, token_id]))
            .sql("linking a mail to its token")?;
    }
    Ok(mail_id)
}

pub fn peek_token(
    conn: &Connection,
    hash: &[u8; 32],
    purpose: TokenPurpose,
    now: Millis,
) -> StoreResult<TokenLookup> {
    let row: Option<(i64, String, String, Millis)> = conn
        .prepare_cached(
            "SELECT s.id, s.list, s.status, t.expires_at
             FROM tokens t JOIN subscribers s ON s.id = t.subscriber_id
             WHERE t.hash = ?1 AND t.purpose = ?2",
        )
        .and_then(|mut st| {
            st.query_row(params![hash, purpose.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        })
        .sql("looking up a token")?;
    let Some((subscriber_id, list, status, expires_at)) = row else {
        return Ok(TokenLookup::Unknown);
    };
    let status = Status::parse(&status).unwrap_or(Status::Pending);
    let done_anyway = purpose == TokenPurpose::Confirm && status.has_standing_consent();
    if now > expires_at && !done_anyway {
        return Ok(TokenLookup::Expired { list });
    }
    Ok(TokenLookup::Valid {
        subscriber_id,
        list,
        status,
    })
}

pub fn confirm(conn: &Connection, c: &Confirmation) -> StoreResult<ConfirmOutcome> {
    type Row = (i64, i64, Millis, String, String);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT t.id, s.id, t.expires_at, s.status, s.list
             FROM tokens t JOIN subscribers s ON s.id = t.subscriber_id
             WHERE t.hash = ?1 AND t.purpose = 'confirm'",
        )
        .and_then(|mut st| {
            st.query_row(params![c.token_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()
        })
        .sql("looking up a confirmation token")?;
    let Some((token_id, subscriber_id, expires_at, status, list)) = row else {
        return Ok(ConfirmOutcome::Unknown);
    };
    let status = Status::parse(&status).unwrap_or(Status::Pending);
    if status.has_standing_consent() {
        return Ok(ConfirmOutcome::AlreadyConfirmed {
            subscriber_id,
            list,
        });
    }
    if c.now > expires_at {
        return Ok(ConfirmOutcome::Expired { list });
    }

    let next_seq: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(line_seq), 0) + 1 FROM subscribers WHERE list = ?1")
        .and_then(|mut st| st.query_row([&list], |r| r.get(0)))
        .sql("numbering the line")?;

    conn.prepare_cached(
        "INSERT INTO consent_records
             (subscriber_id, list, form, text_hash, client_ip, submitted_at, confirmed_at)
         SELECT id, list, COALESCE(pending_form, 'unknown'), COALESCE(pending_text_hash, ''),
                pending_client_ip, COALESCE(pending_submitted_at, signed_up_at), ?2
         FROM subscribers WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![subscriber_id, c.now]))
    .sql("recording consent")?;

    conn.prepare_cached(
        "UPDATE subscribers SET status = 'confirmed', confirmed_at = ?2,
             line_seq = ?3, line_key = ?3,
             pending_form = NULL, pending_text_hash = NULL,
             pending_client_ip = NULL, pending_submitted_at = NULL
         WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![subscriber_id, c.now, next_seq]))
    .sql("confirming")?;

    conn.prepare_cached("UPDATE tokens SET used_at = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![token_id, c.now]))
        .sql("marking the token used")?;

    Ok(ConfirmOutcome::Confirmed {
        subscriber_id,
        list,
    })
}

pub fn place_in_line(conn: &Connection, subscriber_id: i64) -> StoreResult<Option<u64>> {
    let row: Option<(String, String, Option<i64>, Option<i64>)> = conn
        .prepare_cached("SELECT list, status, line_key, line_seq FROM subscribers WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        })
        .sql("reading a place in line")?;
    let Some((list, status, Some(key), Some(seq))) = row else {
        return Ok(None);
    };
    if status != Status::Confirmed.as_str() {
        return Ok(None);
    }
    let ahead: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM subscribers
             WHERE list = ?1 AND status = 'confirmed' AND (line_key, line_seq) < (?2, ?3)",
        )
        .and_then(|mut st| st.query_row(params![list, key, seq], |r| r.get(0)))
        .sql("counting the people ahead")?;
    Ok(Some(ahead as u64 + 1))
}

/// A share code for referral links: 12 characters of base32 (60 bits).
fn new_referral_code() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let bytes: [u8; 12] = rand::random();
    bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % 32] as char)
        .collect()
}
