//! Owner accounts, sessions, login back-off, the people list and dashboard figures.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::signup::queue_mail;
use crate::admin::rules::{login_throttled_until, session_alive};
use crate::domain::Status;
pub use crate::store::day_of;
use crate::store::{
    AdminRow, DailyStat, LoginAttempt, MailKind, Millis, NewToken, PersonRow, StoreResult,
};
use crate::waitlist::rules;

pub fn admin_upsert(
    conn: &Connection,
    email_index: &[u8],
    email_sealed: &[u8],
    password_hash: &str,
    now: Millis,
) -> StoreResult<bool> {
    let created: bool = conn
        .prepare_cached(
            "INSERT INTO admins (email_index, email_sealed, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (email_index) DO UPDATE SET password_hash = excluded.password_hash,
                 updated_at = excluded.updated_at
             RETURNING created_at = ?4",
        )
        .and_then(|mut st| {
            st.query_row(
                params![email_index, email_sealed, password_hash, now],
                |r| r.get(0),
            )
        })
        .sql("saving an owner")?;
    if !created {
        // A new password for an existing account ends its sessions, as `admin passwd` does:
        // whoever signed in with the old one (maybe the reason for the change) is out.
        conn.prepare_cached(
            "DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE email_index = ?1)",
        )
        .and_then(|mut st| st.execute([email_index]))
        .sql("ending sessions")?;
    }
    Ok(created)
}

pub fn admin_set_password(
    conn: &Connection,
    email_index: &[u8],
    hash: &str,
    now: Millis,
) -> StoreResult<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE admins SET password_hash = ?2, updated_at = ?3 WHERE email_index = ?1",
        )
        .and_then(|mut st| st.execute(params![email_index, hash, now]))
        .sql("changing a password")?;
    // A new password ends every session of the account.
    conn.prepare_cached(
        "DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE email_index = ?1)",
    )
    .and_then(|mut st| st.execute([email_index]))
    .sql("ending sessions")?;
    Ok(changed > 0)
}

pub fn admin_remove(conn: &Connection, email_index: &[u8]) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM admins WHERE email_index = ?1")
        .and_then(|mut st| st.execute([email_index]))
        .sql("removing an owner")?
        > 0)
}

pub fn admins(conn: &Connection) -> StoreResult<Vec<AdminRow>> {
    conn.prepare_cached("SELECT id, email_sealed, created_at, role FROM admins ORDER BY id")
        .and_then(|mut st| {
            st.query_map([], |r| {
                let role: String = r.get(3)?;
                Ok(AdminRow {
                    id: r.get(0)?,
                    email_sealed: r.get(1)?,
                    created_at: r.get(2)?,
                    role: crate::store::role_of(&role),
                })
            })?
            .collect()
        })
        .sql("listing owners")
}

pub fn admin_credentials(
    conn: &Connection,
    email_index: &[u8],
) -> StoreResult<Option<(i64, String)>> {
    conn.prepare_cached("SELECT id, password_hash FROM admins WHERE email_index = ?1")
        .and_then(|mut st| {
            st.query_row([email_index], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("reading an owner")
}

pub fn session_create(
    conn: &Connection,
    id_hash: &[u8],
    admin_id: i64,
    now: Millis,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO admin_sessions (id_hash, admin_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
    )
    .and_then(|mut st| st.execute(params![id_hash, admin_id, now]))
    .sql("starting a session")?;
    Ok(())
}

/// The session's owner if it is within both timeouts; `touch` refreshes its last use.
pub fn session_check(
    conn: &Connection,
    id_hash: &[u8],
    now: Millis,
    idle: Millis,
    absolute: Millis,
    touch: bool,
) -> StoreResult<Option<(i64, Millis)>> {
    let row: Option<(i64, Millis, Millis)> = conn
        .prepare_cached(
            "SELECT admin_id, created_at, last_seen_at FROM admin_sessions WHERE id_hash = ?1",
        )
        .and_then(|mut st| {
            st.query_row([id_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .sql("reading a session")?;
    let Some((admin_id, created_at, last_seen_at)) = row else {
        return Ok(None);
    };
    if !session_alive(now, created_at, last_seen_at, idle, absolute) {
        return Ok(None);
    }
    if touch {
        conn.prepare_cached("UPDATE admin_sessions SET last_seen_at = ?2 WHERE id_hash = ?1")
            .and_then(|mut st| st.execute(params![id_hash, now]))
            .sql("refreshing a session")?;
    }
    Ok(Some((admin_id, last_seen_at)))
}

pub fn session_delete(conn: &Connection, id_hash: &[u8]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM admin_sessions WHERE id_hash = ?1")
        .and_then(|mut st| st.execute([id_hash]))
        .sql("ending a session")?;
    Ok(())
}

pub fn begin_login_attempt(
    conn: &Connection,
    keys: &[(String, u64)],
    now: Millis,
    since: Millis,
) -> StoreResult<LoginAttempt> {
    conn.prepare_cached("DELETE FROM login_failures WHERE at < ?1")
        .and_then(|mut st| st.execute([since]))
        .sql("forgetting old sign-in attempts")?;
    for (key, limit) in keys {
        let (attempts, oldest): (i64, Option<Millis>) = conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ?1 AND at >= ?2",
            )
            .and_then(|mut st| st.query_row(params![key, since], |r| Ok((r.get(0)?, r.get(1)?))))
            .sql("counting sign-in attempts")?;
        if let Some(until) = login_throttled_until(attempts, *limit, oldest, now, since) {
            return Ok(LoginAttempt::Throttled { until });
        }
    }
    let mut attempt_ids = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        let id: i64 = conn
            .prepare_cached("INSERT INTO login_failures (key, at) VALUES (?1, ?2) RETURNING id")
            .and_then(|mut st| st.query_row(params![key, now], |r| r.get(0)))
            .sql("counting a sign-in attempt")?;
        attempt_ids.push(id);
    }
    Ok(LoginAttempt::Admitted { attempt_ids })
}

pub fn forgive_login_attempt(conn: &Connection, attempt_ids: &[i64]) -> StoreResult<()> {
    for id in attempt_ids {
        conn.prepare_cached("DELETE FROM login_failures WHERE id = ?1")
            .and_then(|mut st| st.execute([id]))
            .sql("forgiving a sign-in attempt")?;
    }
    Ok(())
}

pub fn people_page(
    conn: &Connection,
    list: &str,
    status: Option<Status>,
    after_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<PersonRow>> {
    // Keyset pagination: by id, newest first; each page starts below the last id seen,
    // so page 1,000 costs what page 1 costs. With a status, the (list, status) index
    // (which ends in the id) is walked; without, the table itself, backwards (`+list`
    // keeps the planner off the index, which would sort the whole list).
    let sql = if status.is_some() {
        "SELECT id, email_sealed, name_sealed, fields_sealed, status, signed_up_at, confirmed_at,
                referral_credits, undeliverable_at
         FROM subscribers WHERE list = ?1 AND status = ?2 AND id < ?3
         ORDER BY id DESC LIMIT ?4"
    } else {
        "SELECT id, email_sealed, name_sealed, fields_sealed, status, signed_up_at, confirmed_at,
                referral_credits, undeliverable_at
         FROM subscribers WHERE +list = ?1 AND (?2 IS NULL) AND id < ?3
         ORDER BY id DESC LIMIT ?4"
    };
    conn.prepare_cached(sql)
        .and_then(|mut st| {
            st.query_map(
                params![
                    list,
                    status.map(Status::as_str),
                    after_id.unwrap_or(i64::MAX),
                    limit
                ],
                |r| {
                    let status: String = r.get(4)?;
                    Ok(PersonRow {
                        id: r.get(0)?,
                        email_sealed: r.get(1)?,
                        name_sealed: r.get(2)?,
                        fields_sealed: r.get(3)?,
                        status: Status::parse(&status).unwrap_or(Status::Pending),
                        signed_up_at: r.get(5)?,
                        confirmed_at: r.get(6)?,
                        referral_credits: r.get(7)?,
                        undeliverable_since: r.get(8)?,
                    })
                },
            )?
            .collect()
        })
        .sql("listing people")
}

pub fn find_person(conn: &Connection, list: &str, email_index: &[u8]) -> StoreResult<Option<i64>> {
    conn.prepare_cached("SELECT id FROM subscribers WHERE list = ?1 AND email_index = ?2")
        .and_then(|mut st| {
            st.query_row(params![list, email_index], |r| r.get(0))
                .optional()
        })
        .sql("finding a person")
}

/// Queues a new confirmation mail for a person still awaiting confirmation, within the
/// per-address limit. Returns whether a mail was queued.
pub fn resend_confirmation(
    conn: &Connection,
    subscriber_id: i64,
    token: &NewToken,
    now: Millis,
    interval: Millis,
) -> StoreResult<bool> {
    let row: Option<(String, Option<Millis>)> = conn
        .prepare_cached("SELECT status, last_confirmation_at FROM subscribers WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([subscriber_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .sql("reading a person")?;
    let Some((status, last)) = row else {
        return Ok(false);
    };
    if !rules::awaits_confirmation(Status::parse(&status))
        || !rules::may_send_confirmation(last, now, interval)
    {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE subscribers SET confirm_seed = ?2, confirm_expires_at = ?3, last_confirmation_at = ?4
         WHERE id = ?1",
    )
    .and_then(|mut st| st.execute(params![subscriber_id, token.seed, token.expires_at, now]))
    .sql("renewing a confirmation link")?;
    queue_mail(conn, subscriber_id, MailKind::Confirmation, None, now)?;
    Ok(true)
}

/// Adds to the dashboard's daily figures.
pub fn add_daily(conn: &Connection, stats: &[DailyStat]) -> StoreResult<()> {
    for s in stats {
        add_one(conn, &s.day, &s.scope, &s.metric, s.value)?;
    }
    Ok(())
}

pub fn add_one(
    conn: &Connection,
    day: &str,
    scope: &str,
    metric: &str,
    by: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO daily_stats (day, scope, metric, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (day, scope, metric) DO UPDATE SET value = value + excluded.value",
    )
    .and_then(|mut st| st.execute(params![day, scope, metric, by]))
    .sql("counting for the dashboard")?;
    Ok(())
}

pub fn daily_stats(conn: &Connection, since_day: &str) -> StoreResult<Vec<DailyStat>> {
    conn.prepare_cached(
        "SELECT day, scope, metric, value FROM daily_stats WHERE day >= ?1 ORDER BY day",
    )
    .and_then(|mut st| {
        st.query_map([since_day], |r| {
            Ok(DailyStat {
                day: r.get(0)?,
                scope: r.get(1)?,
                metric: r.get(2)?,
                value: r.get(3)?,
            })
        })?
        .collect()
    })
    .sql("reading dashboard figures")
}
