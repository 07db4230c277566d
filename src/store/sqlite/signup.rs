//! The signup and confirmation transactions.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::owner::{add_one, day_of};
use super::webhooks;
use crate::domain::WebhookEvent;
use crate::domain::{Status, TokenPurpose};
use crate::store::event_data;
use crate::store::{
    ConfirmOutcome, Confirmation, MailKind, Millis, NewSignup, NewToken, SignupOutcome,
    StoreResult, StoredToken,
};
use crate::waitlist::rules::{self, ConfirmVerdict};

/// `store_consent_text` is false when the text is known to be stored already.
pub fn record_signup(
    conn: &Connection,
    s: &NewSignup,
    store_consent_text: bool,
) -> StoreResult<SignupOutcome> {
    if store_consent_text {
        conn.prepare_cached(
            "INSERT INTO consent_texts (hash, text, first_seen) VALUES (?1, ?2, ?3)
             ON CONFLICT (hash) DO NOTHING",
        )
        .and_then(|mut st| st.execute(params![s.consent.text_hash, s.consent.text, s.now]))
        .sql("storing the consent text")?;
    }

    // One confirmation mail per address per interval, counted by the keyed hash of the
    // address across every list and the suppression list (so erasure does not reset it).
    let last_confirmation = last_confirmation_at(conn, s)?;
    let may_mail = rules::may_send_confirmation(last_confirmation, s.now, s.confirmation_interval);

    // Every address takes this same statement, new or known, so the work done (and the
    // time taken) does not depend on who is on the list. An unconfirmed person's row takes
    // the latest form only together with a new confirmation link, which the new mail
    // carries and which ends the old one: whatever the person confirms is what the mail
    // they confirm from was sent for, never what someone else typed in between.
    let (subscriber_id, status): (i64, String) = conn
        .prepare_cached(
            "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed, fields_sealed,
                 status, signed_up_at, last_signup_at, referred_by,
                 pending_form, pending_text_hash, pending_client_ip, pending_submitted_at,
                 confirm_seed, confirm_expires_at, last_confirmation_at, referral_index, language)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6,
                 (SELECT id FROM subscribers WHERE id = ?7 AND list = ?1),
                 ?8, ?9, ?10, ?11,
                 CASE WHEN ?14 THEN ?12 END, CASE WHEN ?14 THEN ?13 END, CASE WHEN ?14 THEN ?6 END,
                 ?15, ?16)
             ON CONFLICT (list, email_index) DO UPDATE SET
                 last_signup_at = excluded.last_signup_at,
                 referral_index = excluded.referral_index,
                 name_sealed = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.name_sealed ELSE name_sealed END,
                 fields_sealed = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.fields_sealed ELSE fields_sealed END,
                 language = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.language ELSE language END,
                 pending_form = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.pending_form ELSE pending_form END,
                 pending_text_hash = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.pending_text_hash ELSE pending_text_hash END,
                 pending_client_ip = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.pending_client_ip ELSE pending_client_ip END,
                 pending_submitted_at = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN excluded.pending_submitted_at ELSE pending_submitted_at END,
                 confirm_seed = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN ?12 ELSE confirm_seed END,
                 confirm_expires_at = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN ?13 ELSE confirm_expires_at END,
                 last_confirmation_at = CASE WHEN status IN ('pending', 'unsubscribed') AND ?14
                     THEN ?6 ELSE last_confirmation_at END
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
                    s.referred_by,
                    s.consent.form,
                    s.consent.text_hash,
                    s.consent.client_ip,
                    s.consent.submitted_at,
                    s.confirm_token.seed,
                    s.confirm_token.expires_at,
                    may_mail,
                    s.referral_index,
                    s.language,
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .sql("recording the signup")?;

    let awaiting_confirmation = rules::awaits_confirmation(Status::parse(&status));
    add_one(conn, &day_of(s.now), &s.list, "submissions", 1)?;
    if !awaiting_confirmation {
        return Ok(SignupOutcome::AlreadyConsented { subscriber_id });
    }
    if !may_mail {
        return Ok(SignupOutcome::Throttled { subscriber_id });
    }
    // A confirmation mail still waiting to go would carry the same (new) link: it is
    // superseded, so the address gets one mail, not two.
    conn.prepare_cached(
        "UPDATE outbox SET state = 'skipped', last_error = 'superseded by a newer confirmation'
         WHERE subscriber_id = ?1 AND kind = 'confirmation' AND state = 'queued'",
    )
    .and_then(|mut st| st.execute([subscriber_id]))
    .sql("superseding a queued confirmation")?;
    queue_mail(conn, subscriber_id, MailKind::Confirmation, None, s.now)?;
    Ok(SignupOutcome::ConfirmationQueued { subscriber_id })
}

/// When the address behind `s.email_index` last got a confirmation mail, on any list or
/// before it was erased.
fn last_confirmation_at(conn: &Connection, s: &NewSignup) -> StoreResult<Option<Millis>> {
    let mut latest: Option<Millis> = conn
        .prepare_cached("SELECT last_confirmation_at FROM suppressions WHERE email_index = ?1")
        .and_then(|mut st| st.query_row([&s.email_index], |r| r.get(0)).optional())
        .sql("reading the suppression list")?
        .flatten();
    for list in &s.all_lists {
        let at: Option<Millis> = conn
            .prepare_cached(
                "SELECT last_confirmation_at FROM subscribers WHERE list = ?1 AND email_index = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![list, s.email_index], |r| r.get(0))
                    .optional()
            })
            .sql("reading the confirmation limit")?
            .flatten();
        latest = latest.max(at);
    }
    Ok(latest)
}

pub fn insert_token(
    conn: &Connection,
    subscriber_id: i64,
    purpose: TokenPurpose,
    token: &NewToken,
    now: Millis,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO tokens (subscriber_id, purpose, seed, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
    )
    .and_then(|mut st| {
        st.query_row(
            params![
                subscriber_id,
                purpose.as_str(),
                token.seed,
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
    token_id: Option<i64>,
    now: Millis,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (subscriber_id, kind, token_id, state, created_at, due_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4) RETURNING id",
    )
    .and_then(|mut st| {
        st.query_row(params![subscriber_id, kind.as_str(), token_id, now], |r| {
            r.get(0)
        })
    })
    .sql("queueing a mail")
}

pub fn token(conn: &Connection, token_id: i64) -> StoreResult<Option<StoredToken>> {
    type Row = (
        i64,
        String,
        String,
        String,
        Vec<u8>,
        Millis,
        Option<Millis>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT s.id, s.list, s.status, t.purpose, t.seed, t.expires_at, t.used_at, s.language
             FROM tokens t JOIN subscribers s ON s.id = t.subscriber_id
             WHERE t.id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([token_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .optional()
        })
        .sql("looking up a token")?;
    Ok(row.and_then(
        |(subscriber_id, list, status, purpose, seed, expires_at, used_at, language)| {
            Some(StoredToken {
                id: token_id,
                subscriber_id,
                list,
                status: Status::parse(&status)?,
                purpose: TokenPurpose::parse(&purpose)?,
                seed,
                expires_at,
                used_at,
                language,
            })
        },
    ))
}

/// The confirmation link of a person, as a token row (its id is the person's id).
pub fn confirmation_token(
    conn: &Connection,
    subscriber_id: i64,
) -> StoreResult<Option<StoredToken>> {
    type Row = (
        String,
        String,
        Option<Vec<u8>>,
        Option<Millis>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT list, status, confirm_seed, confirm_expires_at, language
             FROM subscribers WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()
        })
        .sql("looking up a confirmation link")?;
    Ok(row.and_then(|(list, status, seed, expires_at, language)| {
        Some(StoredToken {
            id: subscriber_id,
            subscriber_id,
            list,
            status: Status::parse(&status)?,
            purpose: TokenPurpose::Confirm,
            seed: seed.unwrap_or_default(),
            expires_at: expires_at.unwrap_or(0),
            used_at: None,
            language,
        })
    }))
}

pub fn confirm(conn: &Connection, c: &Confirmation) -> StoreResult<ConfirmOutcome> {
    type Row = (
        Option<Millis>,
        String,
        String,
        Option<Millis>,
        Option<Millis>,
    );
    let subscriber_id = c.subscriber_id;
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT confirm_expires_at, status, list, last_confirmation_at, unsubscribed_at
             FROM subscribers WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row(params![subscriber_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()
        })
        .sql("looking up a confirmation")?;
    let Some((expires_at, status, list, link_sent_at, unsubscribed_at)) = row else {
        return Ok(ConfirmOutcome::Unknown);
    };
    let status = Status::parse(&status).unwrap_or(Status::Pending);
    match rules::confirm_verdict(status, expires_at, link_sent_at, unsubscribed_at, c.now) {
        ConfirmVerdict::Expired => return Ok(ConfirmOutcome::Expired { list }),
        ConfirmVerdict::AlreadyConfirmed => {
            return Ok(ConfirmOutcome::AlreadyConfirmed {
                subscriber_id,
                list,
            });
        }
        ConfirmVerdict::Confirm => {}
    }

    let next_seq: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(line_seq), 0) + 1 FROM subscribers WHERE list = ?1 AND line_seq IS NOT NULL")
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
             line_seq = ?3, line_key = ?4,
             pending_form = NULL, pending_text_hash = NULL,
             pending_client_ip = NULL, pending_submitted_at = NULL
         WHERE id = ?1",
    )
    .and_then(|mut st| {
        st.execute(params![
            subscriber_id,
            c.now,
            next_seq,
            rules::line_key(next_seq)
        ])
    })
    .sql("confirming")?;

    credit_referrer(conn, subscriber_id, c.referral_boost)?;
    add_one(conn, &day_of(c.now), &list, "confirmations", 1)?;

    let manage_token_id = insert_token(
        conn,
        subscriber_id,
        TokenPurpose::Manage,
        &c.manage_token,
        c.now,
    )?;
    queue_mail(
        conn,
        subscriber_id,
        MailKind::Welcome,
        Some(manage_token_id),
        c.now,
    )?;
    webhooks::queue_event(
        conn,
        WebhookEvent::SubscriberConfirmed,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        c.now,
    )?;
    Ok(ConfirmOutcome::Confirmed {
        subscriber_id,
        list,
        manage_token_id,
    })
}

/// A person confirmed: the one who shared the link that brought them moves up, once per
/// referred person, and only while they are still waiting in line.
fn credit_referrer(conn: &Connection, subscriber_id: i64, boost: i64) -> StoreResult<()> {
    let referrer: Option<Option<i64>> = conn
        .prepare_cached(
            "UPDATE subscribers SET referral_counted = 1
             WHERE id = ?1 AND referral_counted = 0 AND referred_by IS NOT NULL
             RETURNING referred_by",
        )
        .and_then(|mut st| st.query_row([subscriber_id], |r| r.get(0)).optional())
        .sql("counting a referral")?;
    let Some(Some(referrer)) = referrer else {
        return Ok(());
    };
    if !rules::referral_may_count(boost, referrer, subscriber_id)
        || same_inbox_already_counted(conn, subscriber_id, referrer)?
    {
        return Ok(());
    }
    conn.prepare_cached("UPDATE subscribers SET referral_credited = 1 WHERE id = ?1")
        .and_then(|mut st| st.execute([subscriber_id]))
        .sql("marking a referral credited")?;
    conn.prepare_cached(
        "UPDATE subscribers SET referral_credits = referral_credits + 1, line_key = line_key - ?2
         WHERE id = ?1 AND status = 'confirmed'",
    )
    .and_then(|mut st| st.execute(params![referrer, rules::referral_move(boost)]))
    .sql("moving a referrer up")?;
    Ok(())
}

/// Every address takes this same write (see the upsert above). Only for counting
/// referrals: see `abuse::referral` and migration 0007.
/// Whether `subscriber_id` is the referrer's own inbox under another spelling, or an
/// inbox that already earned this referrer a place under another spelling.
fn same_inbox_already_counted(
    conn: &Connection,
    subscriber_id: i64,
    referrer: i64,
) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT COALESCE(me.referral_index IS NOT NULL AND (
             me.referral_index = (SELECT referral_index FROM subscribers WHERE id = ?2)
             OR EXISTS (SELECT 1 FROM subscribers other
                        WHERE other.referred_by = ?2 AND other.referral_index = me.referral_index
                          AND other.referral_credited = 1 AND other.id <> me.id)), 0)
         FROM subscribers me WHERE me.id = ?1",
    )
    .and_then(|mut st| st.query_row(params![subscriber_id, referrer], |r| r.get(0)))
    .sql("checking a referral against the referrer's inbox")
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
             WHERE list = ?1 AND status = 'confirmed' AND line_seq IS NOT NULL
               AND (line_key, line_seq) < (?2, ?3)",
        )
        .and_then(|mut st| st.query_row(params![list, key, seq], |r| r.get(0)))
        .sql("counting the people ahead")?;
    Ok(Some(ahead as u64 + 1))
}
