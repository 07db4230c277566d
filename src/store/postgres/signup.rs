//! The signup and confirmation transactions (see `store/sqlite/signup.rs` for the why of
//! each step; the rules are `waitlist::rules`).

use super::db::{Tx, col, exec, one, opt};
use super::webhooks;
use crate::domain::WebhookEvent;
use crate::store::event_data;
use tokio_postgres::types::ToSql;

use super::db::prepare_all;
use super::errors::PgContext;
use super::locks::{address_lock, lock_line};
use super::owner::add_one;
use crate::domain::{Status, TokenPurpose};
use crate::store::day_of;
use crate::store::{
    ConfirmOutcome, Confirmation, MailKind, Millis, NewSignup, NewToken, SignupOutcome,
    StoreResult, StoredToken,
};
use crate::waitlist::rules::{self, ConfirmVerdict};

/// The statements of a signup that are sent together (see `record_signup`).
const ADDRESS_LOCK: &str = super::locks::ADVISORY_LOCK;
const LAST_CONFIRMATION: &str = "SELECT GREATEST(
         (SELECT last_confirmation_at FROM suppressions WHERE email_index = $1),
         (SELECT MAX(last_confirmation_at) FROM subscribers
          WHERE list = ANY($2) AND email_index = $1))";
const RECORD_SIGNUP: &str =
    "INSERT INTO subscribers AS cur (list, email_index, email_sealed, name_sealed, fields_sealed,
             status, signed_up_at, last_signup_at, referred_by,
             pending_form, pending_text_hash, pending_client_ip, pending_submitted_at,
             confirm_seed, confirm_expires_at, last_confirmation_at, referral_index, language)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6,
             (SELECT id FROM subscribers WHERE id = $7 AND list = $1),
             $8, $9, $10, $11,
             CASE WHEN $14 THEN $12::bytea END, CASE WHEN $14 THEN $13::bigint END,
             CASE WHEN $14 THEN $6::bigint END, $15, $16)
         ON CONFLICT (list, email_index) DO UPDATE SET
             last_signup_at = EXCLUDED.last_signup_at,
             referral_index = EXCLUDED.referral_index,
             name_sealed = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.name_sealed ELSE cur.name_sealed END,
             fields_sealed = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.fields_sealed ELSE cur.fields_sealed END,
             language = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.language ELSE cur.language END,
             pending_form = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.pending_form ELSE cur.pending_form END,
             pending_text_hash = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.pending_text_hash ELSE cur.pending_text_hash END,
             pending_client_ip = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.pending_client_ip ELSE cur.pending_client_ip END,
             pending_submitted_at = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN EXCLUDED.pending_submitted_at ELSE cur.pending_submitted_at END,
             confirm_seed = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN $12::bytea ELSE cur.confirm_seed END,
             confirm_expires_at = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN $13::bigint ELSE cur.confirm_expires_at END,
             last_confirmation_at = CASE WHEN cur.status IN ('pending', 'unsubscribed') AND $14
                 THEN $6::bigint ELSE cur.last_confirmation_at END
         RETURNING id, status";
const COUNT_FOR_THE_DAY: &str = super::owner::ADD_ONE;
const SUPERSEDE_CONFIRMATION: &str =
    "UPDATE outbox SET state = 'skipped', last_error = 'superseded by a newer confirmation'
     WHERE subscriber_id = $1 AND kind = 'confirmation' AND state = 'queued'";
const QUEUE_MAIL: &str =
    "INSERT INTO outbox (subscriber_id, kind, token_id, state, created_at, due_at)
     VALUES ($1, $2, $3, 'queued', $4, $4) RETURNING id";

/// `store_consent_text` is false when the text is known to be stored already.
pub async fn record_signup(
    tx: &Tx<'_>,
    s: &NewSignup,
    store_consent_text: bool,
) -> StoreResult<SignupOutcome> {
    if store_consent_text {
        exec(
            tx,
            "INSERT INTO consent_texts (hash, text, first_seen) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO NOTHING",
            &[&s.consent.text_hash, &s.consent.text, &s.now],
            "storing the consent text",
        )
        .await?;
    }
    // The confirmation interval holds across nodes: signups, resends and erasures of one
    // address take their turn. Statements that do not wait on each other's answers are
    // sent together (tokio-postgres pipelines futures polled at once; the server runs
    // them in the order sent, so the read below runs after the lock is held): a signup
    // is three round trips inside its transaction, not six.
    let [lock_st, last_st] =
        prepare_all(tx, [ADDRESS_LOCK, LAST_CONFIRMATION], "preparing a signup").await?;
    let (lock_class, lock_key) = address_lock(&s.email_index);
    let email_index = &s.email_index[..];
    let lock_params: [&(dyn ToSql + Sync); 2] = [&lock_class, &lock_key];
    let last_params: [&(dyn ToSql + Sync); 2] = [&email_index, &s.all_lists];
    let (_, last) = tokio::try_join!(
        tx.execute(&lock_st, &lock_params),
        tx.query_one(&last_st, &last_params)
    )
    .sql("waiting for the address and reading the confirmation limit")?;
    let last: Option<Millis> = col(&last, 0)?;
    let may_mail = rules::may_send_confirmation(last, s.now, s.confirmation_interval);

    let (confirm_seed, referral_index) = (&s.confirm_token.seed[..], &s.referral_index[..]);
    let params: [&(dyn ToSql + Sync); 16] = [
        &s.list,
        &email_index,
        &s.email_sealed,
        &s.name_sealed,
        &s.fields_sealed,
        &s.now,
        &s.referred_by,
        &s.consent.form,
        &s.consent.text_hash,
        &s.consent.client_ip,
        &s.consent.submitted_at,
        &confirm_seed,
        &s.confirm_token.expires_at,
        &may_mail,
        &referral_index,
        &s.language,
    ];
    let day = day_of(s.now);
    let [record_st, count_st] =
        prepare_all(tx, [RECORD_SIGNUP, COUNT_FOR_THE_DAY], "preparing a signup").await?;
    let count_params: [&(dyn ToSql + Sync); 4] = [&day, &s.list, &"submissions", &1i64];
    let (row, _) = tokio::try_join!(
        tx.query_one(&record_st, &params),
        tx.execute(&count_st, &count_params)
    )
    .sql("recording the signup")?;
    let subscriber_id: i64 = col(&row, 0)?;
    let status: String = col(&row, 1)?;
    if !rules::awaits_confirmation(Status::parse(&status)) {
        return Ok(SignupOutcome::AlreadyConsented { subscriber_id });
    }
    if !may_mail {
        return Ok(SignupOutcome::Throttled { subscriber_id });
    }
    // The older mail is skipped before the new one is queued (sent in this order).
    let [supersede_st, queue_st] = prepare_all(
        tx,
        [SUPERSEDE_CONFIRMATION, QUEUE_MAIL],
        "preparing a signup",
    )
    .await?;
    let kind = MailKind::Confirmation.as_str();
    let no_token: Option<i64> = None;
    let supersede_params: [&(dyn ToSql + Sync); 1] = [&subscriber_id];
    let queue_params: [&(dyn ToSql + Sync); 4] = [&subscriber_id, &kind, &no_token, &s.now];
    tokio::try_join!(
        tx.execute(&supersede_st, &supersede_params),
        tx.execute(&queue_st, &queue_params)
    )
    .sql("queueing the confirmation mail")?;
    Ok(SignupOutcome::ConfirmationQueued { subscriber_id })
}

pub async fn insert_token(
    tx: &Tx<'_>,
    subscriber_id: i64,
    purpose: TokenPurpose,
    token: &NewToken,
    now: Millis,
) -> StoreResult<i64> {
    let row = one(
        tx,
        "INSERT INTO tokens (subscriber_id, purpose, seed, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            &subscriber_id,
            &purpose.as_str(),
            &&token.seed[..],
            &now,
            &token.expires_at,
        ],
        "storing a link token",
    )
    .await?;
    col(&row, 0)
}

pub async fn queue_mail(
    tx: &Tx<'_>,
    subscriber_id: i64,
    kind: MailKind,
    token_id: Option<i64>,
    now: Millis,
) -> StoreResult<i64> {
    let row = one(
        tx,
        QUEUE_MAIL,
        &[&subscriber_id, &kind.as_str(), &token_id, &now],
        "queueing a mail",
    )
    .await?;
    col(&row, 0)
}

pub async fn token(tx: &Tx<'_>, token_id: i64) -> StoreResult<Option<StoredToken>> {
    let Some(row) = opt(
        tx,
        "SELECT s.id, s.list, s.status, t.purpose, t.seed, t.expires_at, t.used_at, s.language
         FROM tokens t JOIN subscribers s ON s.id = t.subscriber_id
         WHERE t.id = $1",
        &[&token_id],
        "looking up a token",
    )
    .await?
    else {
        return Ok(None);
    };
    let status: String = col(&row, 2)?;
    let purpose: String = col(&row, 3)?;
    let (Some(status), Some(purpose)) = (Status::parse(&status), TokenPurpose::parse(&purpose))
    else {
        return Ok(None);
    };
    Ok(Some(StoredToken {
        id: token_id,
        subscriber_id: col(&row, 0)?,
        list: col(&row, 1)?,
        status,
        purpose,
        seed: col(&row, 4)?,
        expires_at: col(&row, 5)?,
        used_at: col(&row, 6)?,
        language: col(&row, 7)?,
    }))
}

/// The confirmation link of a person, as a token row (its id is the person's id).
pub async fn confirmation_token(
    tx: &Tx<'_>,
    subscriber_id: i64,
) -> StoreResult<Option<StoredToken>> {
    let Some(row) = opt(
        tx,
        "SELECT list, status, confirm_seed, confirm_expires_at, language
         FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "looking up a confirmation link",
    )
    .await?
    else {
        return Ok(None);
    };
    let status: String = col(&row, 1)?;
    let Some(status) = Status::parse(&status) else {
        return Ok(None);
    };
    Ok(Some(StoredToken {
        id: subscriber_id,
        subscriber_id,
        list: col(&row, 0)?,
        status,
        purpose: TokenPurpose::Confirm,
        seed: col::<Option<Vec<u8>>>(&row, 2)?.unwrap_or_default(),
        expires_at: col::<Option<Millis>>(&row, 3)?.unwrap_or(0),
        used_at: None,
        language: col(&row, 4)?,
    }))
}

pub async fn confirm(tx: &Tx<'_>, c: &Confirmation) -> StoreResult<ConfirmOutcome> {
    let subscriber_id = c.subscriber_id;
    let Some(list) = list_of(tx, subscriber_id).await? else {
        return Ok(ConfirmOutcome::Unknown);
    };
    // A link used again, or expired, changes nothing: it is answered without taking the
    // list's turn, which every confirmation on every node waits for (a replayed link
    // would otherwise hold up everyone's).
    for locked in [false, true] {
        if locked {
            // Numbering the line takes the list's turn (the line lock, then the person's
            // row): two confirmations on two nodes never get the same place.
            lock_line(tx, &list).await?;
        }
        let Some(row) = opt(
            tx,
            if locked {
                "SELECT confirm_expires_at, status, last_confirmation_at, unsubscribed_at
                 FROM subscribers WHERE id = $1 FOR UPDATE"
            } else {
                "SELECT confirm_expires_at, status, last_confirmation_at, unsubscribed_at
                 FROM subscribers WHERE id = $1"
            },
            &[&subscriber_id],
            "looking up a confirmation",
        )
        .await?
        else {
            return Ok(ConfirmOutcome::Unknown);
        };
        let status: String = col(&row, 1)?;
        let status = Status::parse(&status).unwrap_or(Status::Pending);
        match rules::confirm_verdict(status, col(&row, 0)?, col(&row, 2)?, col(&row, 3)?, c.now) {
            ConfirmVerdict::Expired => return Ok(ConfirmOutcome::Expired { list }),
            ConfirmVerdict::AlreadyConfirmed => {
                return Ok(ConfirmOutcome::AlreadyConfirmed {
                    subscriber_id,
                    list,
                });
            }
            ConfirmVerdict::Confirm => {}
        }
    }
    let next_seq = next_line_seq(tx, &list).await?;
    exec(
        tx,
        "INSERT INTO consent_records
             (subscriber_id, list, form, text_hash, client_ip, submitted_at, confirmed_at)
         SELECT id, list, COALESCE(pending_form, 'unknown'), COALESCE(pending_text_hash, ''),
                pending_client_ip, COALESCE(pending_submitted_at, signed_up_at), $2
         FROM subscribers WHERE id = $1",
        &[&subscriber_id, &c.now],
        "recording consent",
    )
    .await?;
    exec(
        tx,
        "UPDATE subscribers SET status = 'confirmed', confirmed_at = $2,
             line_seq = $3, line_key = $4,
             pending_form = NULL, pending_text_hash = NULL,
             pending_client_ip = NULL, pending_submitted_at = NULL
         WHERE id = $1",
        &[
            &subscriber_id,
            &c.now,
            &next_seq,
            &rules::line_key(next_seq),
        ],
        "confirming",
    )
    .await?;
    credit_referrer(tx, subscriber_id, c.referral_boost).await?;
    add_one(tx, &day_of(c.now), &list, "confirmations", 1).await?;
    let manage_token_id = insert_token(
        tx,
        subscriber_id,
        TokenPurpose::Manage,
        &c.manage_token,
        c.now,
    )
    .await?;
    queue_mail(
        tx,
        subscriber_id,
        MailKind::Welcome,
        Some(manage_token_id),
        c.now,
    )
    .await?;
    webhooks::queue_event(
        tx,
        WebhookEvent::SubscriberConfirmed,
        subscriber_id,
        &event_data(subscriber_id, &list, None),
        c.now,
    )
    .await?;
    Ok(ConfirmOutcome::Confirmed {
        subscriber_id,
        list,
        manage_token_id,
    })
}

/// The list a person is on (it never changes).
pub async fn list_of(tx: &Tx<'_>, subscriber_id: i64) -> StoreResult<Option<String>> {
    let row = opt(
        tx,
        "SELECT list FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading a person's list",
    )
    .await?;
    row.map(|r| col(&r, 0)).transpose()
}

/// The next confirmation number of a list; the caller holds the line lock.
pub async fn next_line_seq(tx: &Tx<'_>, list: &str) -> StoreResult<i64> {
    let row = one(
        tx,
        "SELECT COALESCE(MAX(line_seq), 0) + 1 FROM subscribers
         WHERE list = $1 AND line_seq IS NOT NULL",
        &[&list],
        "numbering the line",
    )
    .await?;
    col(&row, 0)
}

/// A person confirmed: the one who shared the link that brought them moves up, once per
/// referred person, and only while they are still waiting in line. Under the line lock,
/// so two spellings of one inbox confirming at once earn one place.
async fn credit_referrer(tx: &Tx<'_>, subscriber_id: i64, boost: i64) -> StoreResult<()> {
    let referrer = opt(
        tx,
        "UPDATE subscribers SET referral_counted = 1
         WHERE id = $1 AND referral_counted = 0 AND referred_by IS NOT NULL
         RETURNING referred_by",
        &[&subscriber_id],
        "counting a referral",
    )
    .await?;
    let Some(referrer) = referrer
        .map(|r| col::<Option<i64>>(&r, 0))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    if !rules::referral_may_count(boost, referrer, subscriber_id)
        || same_inbox_already_counted(tx, subscriber_id, referrer).await?
    {
        return Ok(());
    }
    exec(
        tx,
        "UPDATE subscribers SET referral_credited = 1 WHERE id = $1",
        &[&subscriber_id],
        "marking a referral credited",
    )
    .await?;
    exec(
        tx,
        "UPDATE subscribers SET referral_credits = referral_credits + 1, line_key = line_key - $2
         WHERE id = $1 AND status = 'confirmed'",
        &[&referrer, &rules::referral_move(boost)],
        "moving a referrer up",
    )
    .await?;
    Ok(())
}

async fn same_inbox_already_counted(
    tx: &Tx<'_>,
    subscriber_id: i64,
    referrer: i64,
) -> StoreResult<bool> {
    let row = one(
        tx,
        "SELECT COALESCE(me.referral_index IS NOT NULL AND (
             me.referral_index = (SELECT referral_index FROM subscribers WHERE id = $2)
             OR EXISTS (SELECT 1 FROM subscribers other
                        WHERE other.referred_by = $2 AND other.referral_index = me.referral_index
                          AND other.referral_credited = 1 AND other.id <> me.id)), false)
         FROM subscribers me WHERE me.id = $1",
        &[&subscriber_id, &referrer],
        "checking a referral against the referrer's inbox",
    )
    .await?;
    col(&row, 0)
}

pub async fn place_in_line(tx: &Tx<'_>, subscriber_id: i64) -> StoreResult<Option<u64>> {
    let Some(row) = opt(
        tx,
        "SELECT list, status, line_key, line_seq FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading a place in line",
    )
    .await?
    else {
        return Ok(None);
    };
    let list: String = col(&row, 0)?;
    let status: String = col(&row, 1)?;
    let (Some(key), Some(seq)) = (col::<Option<i64>>(&row, 2)?, col::<Option<i64>>(&row, 3)?)
    else {
        return Ok(None);
    };
    if status != Status::Confirmed.as_str() {
        return Ok(None);
    }
    let row = one(
        tx,
        "SELECT COUNT(*) FROM subscribers
         WHERE list = $1 AND status = 'confirmed' AND line_seq IS NOT NULL
           AND (line_key, line_seq) < ($2, $3)",
        &[&list, &key, &seq],
        "counting the people ahead",
    )
    .await?;
    let ahead: i64 = col(&row, 0)?;
    Ok(Some(ahead as u64 + 1))
}
