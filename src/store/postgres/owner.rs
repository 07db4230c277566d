//! Owner accounts, sessions, the sign-in back-off, the people list, dashboard figures.

use super::db::{Tx, all, col, exec, one, opt};
use super::locks::{LockClass, key_of, lock, lock_address};
use super::signup::queue_mail;
use crate::admin::rules::{login_throttled_until, session_alive};
use crate::domain::Status;
use crate::store::{
    AdminRow, DailyStat, LoginAttempt, MailKind, Millis, NewToken, PersonRow, StoreResult,
};
use crate::waitlist::rules;

pub async fn admin_upsert(
    tx: &Tx<'_>,
    email_index: &[u8],
    email_sealed: &[u8],
    password_hash: &str,
    now: Millis,
) -> StoreResult<bool> {
    // xmax is 0 on a row this statement inserted, and set on one it updated.
    let row = one(
        tx,
        "INSERT INTO admins (email_index, email_sealed, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (email_index) DO UPDATE SET password_hash = EXCLUDED.password_hash,
             updated_at = EXCLUDED.updated_at
         RETURNING (xmax = 0)",
        &[&email_index, &email_sealed, &password_hash, &now],
        "saving an owner",
    )
    .await?;
    let created: bool = col(&row, 0)?;
    if !created {
        end_sessions(tx, email_index).await?;
    }
    Ok(created)
}

async fn end_sessions(tx: &Tx<'_>, email_index: &[u8]) -> StoreResult<()> {
    exec(
        tx,
        "DELETE FROM admin_sessions
         WHERE admin_id = (SELECT id FROM admins WHERE email_index = $1)",
        &[&email_index],
        "ending sessions",
    )
    .await?;
    Ok(())
}

pub async fn admin_set_password(
    tx: &Tx<'_>,
    email_index: &[u8],
    hash: &str,
    now: Millis,
) -> StoreResult<bool> {
    let changed = exec(
        tx,
        "UPDATE admins SET password_hash = $2, updated_at = $3 WHERE email_index = $1",
        &[&email_index, &hash, &now],
        "changing a password",
    )
    .await?;
    end_sessions(tx, email_index).await?;
    Ok(changed > 0)
}

pub async fn admin_remove(tx: &Tx<'_>, email_index: &[u8]) -> StoreResult<bool> {
    Ok(exec(
        tx,
        "DELETE FROM admins WHERE email_index = $1",
        &[&email_index],
        "removing an owner",
    )
    .await?
        > 0)
}

pub async fn admins(tx: &Tx<'_>) -> StoreResult<Vec<AdminRow>> {
    all(
        tx,
        "SELECT id, email_sealed, created_at, role FROM admins ORDER BY id",
        &[],
        "listing owners",
    )
    .await?
    .iter()
    .map(|r| {
        let role: String = col(r, 3)?;
        Ok(AdminRow {
            id: col(r, 0)?,
            email_sealed: col(r, 1)?,
            created_at: col(r, 2)?,
            role: crate::store::role_of(&role),
        })
    })
    .collect()
}

pub async fn admin_credentials(
    tx: &Tx<'_>,
    email_index: &[u8],
) -> StoreResult<Option<(i64, String)>> {
    opt(
        tx,
        "SELECT id, password_hash FROM admins WHERE email_index = $1",
        &[&email_index],
        "reading an owner",
    )
    .await?
    .map(|r| Ok((col(&r, 0)?, col(&r, 1)?)))
    .transpose()
}

pub async fn session_create(
    tx: &Tx<'_>,
    id_hash: &[u8],
    admin_id: i64,
    now: Millis,
) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO admin_sessions (id_hash, admin_id, created_at, last_seen_at)
         VALUES ($1, $2, $3, $3)",
        &[&id_hash, &admin_id, &now],
        "starting a session",
    )
    .await?;
    Ok(())
}

/// The session's owner if it is within both timeouts; its last use is refreshed when a
/// minute old, so that browsing the dashboard does not write on every request.
pub async fn session_check(
    tx: &Tx<'_>,
    id_hash: &[u8],
    now: Millis,
    idle: Millis,
    absolute: Millis,
) -> StoreResult<Option<i64>> {
    let Some(row) = opt(
        tx,
        "SELECT admin_id, created_at, last_seen_at FROM admin_sessions WHERE id_hash = $1",
        &[&id_hash],
        "reading a session",
    )
    .await?
    else {
        return Ok(None);
    };
    let (admin_id, created_at, last_seen_at): (i64, Millis, Millis) =
        (col(&row, 0)?, col(&row, 1)?, col(&row, 2)?);
    if !session_alive(now, created_at, last_seen_at, idle, absolute) {
        return Ok(None);
    }
    if now - last_seen_at > 60 * crate::store::SECOND {
        exec(
            tx,
            "UPDATE admin_sessions SET last_seen_at = GREATEST(last_seen_at, $2) WHERE id_hash = $1",
            &[&id_hash, &now],
            "refreshing a session",
        )
        .await?;
    }
    Ok(Some(admin_id))
}

pub async fn session_delete(tx: &Tx<'_>, id_hash: &[u8]) -> StoreResult<()> {
    exec(
        tx,
        "DELETE FROM admin_sessions WHERE id_hash = $1",
        &[&id_hash],
        "ending a session",
    )
    .await?;
    Ok(())
}

/// Each key is locked (in one order, so two attempts never wait on each other in a
/// circle) before it is counted: parallel attempts on any nodes are counted one after
/// another, and cannot all pass the limit.
pub async fn begin_login_attempt(
    tx: &Tx<'_>,
    keys: &[(String, u64)],
    now: Millis,
    since: Millis,
) -> StoreResult<LoginAttempt> {
    let mut lock_keys: Vec<i32> = keys.iter().map(|(k, _)| key_of(k.as_bytes())).collect();
    lock_keys.sort_unstable();
    lock_keys.dedup();
    for key in lock_keys {
        lock(tx, LockClass::Login, key).await?;
    }
    exec(
        tx,
        "DELETE FROM login_failures WHERE at < $1",
        &[&since],
        "forgetting old sign-in attempts",
    )
    .await?;
    for (key, limit) in keys {
        let row = one(
            tx,
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at >= $2",
            &[key, &since],
            "counting sign-in attempts",
        )
        .await?;
        if let Some(until) = login_throttled_until(col(&row, 0)?, *limit, col(&row, 1)?, now, since)
        {
            return Ok(LoginAttempt::Throttled { until });
        }
    }
    let mut attempt_ids = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        let row = one(
            tx,
            "INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id",
            &[key, &now],
            "counting a sign-in attempt",
        )
        .await?;
        attempt_ids.push(col(&row, 0)?);
    }
    Ok(LoginAttempt::Admitted { attempt_ids })
}

pub async fn forgive_login_attempt(tx: &Tx<'_>, attempt_ids: &[i64]) -> StoreResult<()> {
    exec(
        tx,
        "DELETE FROM login_failures WHERE id = ANY($1)",
        &[&attempt_ids],
        "forgiving a sign-in attempt",
    )
    .await?;
    Ok(())
}

/// Keyset pagination, newest first (see the SQLite twin).
pub async fn people_page(
    tx: &Tx<'_>,
    list: &str,
    status: Option<Status>,
    after_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<PersonRow>> {
    let rows = all(
        tx,
        "SELECT id, email_sealed, name_sealed, fields_sealed, status, signed_up_at, confirmed_at,
                referral_credits, undeliverable_at
         FROM subscribers
         WHERE list = $1 AND ($2::text IS NULL OR status = $2) AND id < $3
         ORDER BY id DESC LIMIT $4",
        &[
            &list,
            &status.map(Status::as_str),
            &after_id.unwrap_or(i64::MAX),
            &i64::from(limit),
        ],
        "listing people",
    )
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = col(r, 4)?;
            Ok(PersonRow {
                id: col(r, 0)?,
                email_sealed: col(r, 1)?,
                name_sealed: col(r, 2)?,
                fields_sealed: col(r, 3)?,
                status: Status::parse(&status).unwrap_or(Status::Pending),
                signed_up_at: col(r, 5)?,
                confirmed_at: col(r, 6)?,
                referral_credits: col(r, 7)?,
                undeliverable_since: col(r, 8)?,
            })
        })
        .collect()
}

pub async fn find_person(tx: &Tx<'_>, list: &str, email_index: &[u8]) -> StoreResult<Option<i64>> {
    opt(
        tx,
        "SELECT id FROM subscribers WHERE list = $1 AND email_index = $2",
        &[&list, &email_index],
        "finding a person",
    )
    .await?
    .map(|r| col(&r, 0))
    .transpose()
}

/// A new confirmation mail for a person still awaiting confirmation, within the
/// per-address limit (under the address's lock, like a signup).
pub async fn resend_confirmation(
    tx: &Tx<'_>,
    subscriber_id: i64,
    token: &NewToken,
    now: Millis,
    interval: Millis,
) -> StoreResult<bool> {
    let Some(row) = opt(
        tx,
        "SELECT email_index FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading a person",
    )
    .await?
    else {
        return Ok(false);
    };
    let email_index: Vec<u8> = col(&row, 0)?;
    lock_address(tx, &email_index).await?;
    let Some(row) = opt(
        tx,
        "SELECT status, last_confirmation_at FROM subscribers WHERE id = $1 FOR UPDATE",
        &[&subscriber_id],
        "reading a person",
    )
    .await?
    else {
        return Ok(false);
    };
    let status: String = col(&row, 0)?;
    if !rules::awaits_confirmation(Status::parse(&status))
        || !rules::may_send_confirmation(col(&row, 1)?, now, interval)
    {
        return Ok(false);
    }
    exec(
        tx,
        "UPDATE subscribers SET confirm_seed = $2, confirm_expires_at = $3, last_confirmation_at = $4
         WHERE id = $1",
        &[&subscriber_id, &&token.seed[..], &token.expires_at, &now],
        "renewing a confirmation link",
    )
    .await?;
    queue_mail(tx, subscriber_id, MailKind::Confirmation, None, now).await?;
    Ok(true)
}

pub async fn add_daily(tx: &Tx<'_>, stats: &[DailyStat]) -> StoreResult<()> {
    for s in stats {
        add_one(tx, &s.day, &s.scope, &s.metric, s.value).await?;
    }
    Ok(())
}

/// Adds to a day's figure, in the slot of this connection (migration 0003): signups on
/// many connections do not wait for one another's commit.
/// Adds `$4` to a day's figure `($1, $2, $3)`, in this connection's slot (slots keep
/// nodes from waiting on one row).
pub const ADD_ONE: &str = "INSERT INTO daily_stats AS d (day, scope, metric, slot, value)
     VALUES ($1, $2, $3, pg_backend_pid() % 16, $4)
     ON CONFLICT (day, scope, metric, slot) DO UPDATE SET value = d.value + EXCLUDED.value";

pub async fn add_one(
    tx: &Tx<'_>,
    day: &str,
    scope: &str,
    metric: &str,
    by: i64,
) -> StoreResult<()> {
    exec(
        tx,
        ADD_ONE,
        &[&day, &scope, &metric, &by],
        "counting for the dashboard",
    )
    .await?;
    Ok(())
}

pub async fn daily_stats(tx: &Tx<'_>, since_day: &str) -> StoreResult<Vec<DailyStat>> {
    all(
        tx,
        "SELECT day, scope, metric, SUM(value)::BIGINT FROM daily_stats WHERE day >= $1
         GROUP BY day, scope, metric ORDER BY day, scope, metric",
        &[&since_day],
        "reading dashboard figures",
    )
    .await?
    .iter()
    .map(|r| {
        Ok(DailyStat {
            day: col(r, 0)?,
            scope: col(r, 1)?,
            metric: col(r, 2)?,
            value: col(r, 3)?,
        })
    })
    .collect()
}
