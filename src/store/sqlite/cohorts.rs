//! Cohorts and invitations: invite the next N in line, accept or decline, capacity.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::export::count_by_status;
use super::mail::recent_mails;
use super::owner::add_one;
use super::owner::day_of;
use super::signup::{insert_token, queue_mail};
use crate::domain::{Status, TokenPurpose};
use crate::mail::rules::at_cap;
use crate::store::{
    CohortRow, InvitationInfo, InviteReport, InviteRequest, InviteResponse, MailKind, Millis,
    NewToken, StoreResult,
};
use crate::waitlist::rules;

/// Creates the cohort, or updates its capacity and start.
pub fn ensure_cohort(
    conn: &Connection,
    list: &str,
    name: &str,
    capacity: i64,
    starts: Option<&str>,
    now: Millis,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO cohorts (list, name, capacity, starts, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (list, name) DO UPDATE SET capacity = excluded.capacity, starts = excluded.starts",
    )
    .and_then(|mut st| st.execute(params![list, name, capacity, starts, now]))
    .sql("saving a cohort")?;
    Ok(())
}

pub fn cohorts(conn: &Connection, list: &str) -> StoreResult<Vec<CohortRow>> {
    conn.prepare_cached(
        "SELECT c.id, c.list, c.name, c.capacity, c.starts,
                (SELECT COUNT(*) FROM invitations i WHERE i.cohort_id = c.id AND i.state = 'accepted'),
                (SELECT COUNT(*) FROM invitations i WHERE i.cohort_id = c.id AND i.state = 'invited')
         FROM cohorts c WHERE c.list = ?1 ORDER BY c.id",
    )
    .and_then(|mut st| {
        st.query_map([list], |r| {
            Ok(CohortRow {
                id: r.get(0)?,
                list: r.get(1)?,
                name: r.get(2)?,
                capacity: r.get(3)?,
                starts: r.get(4)?,
                accepted: r.get(5)?,
                open: r.get(6)?,
            })
        })?
        .collect()
    })
    .sql("reading cohorts")
}

fn cohort(conn: &Connection, list: &str, name: &str) -> StoreResult<Option<CohortRow>> {
    Ok(cohorts(conn, list)?.into_iter().find(|c| c.name == name))
}

/// How many people at the cap one invitation round looks past.
const MAX_HELD_BACK: i64 = 1_000;

/// Invites the next people in line (confirmed, by place) into a cohort: each gets an
/// invitation mail with accept and decline links. Without `overbook`, only as many as
/// there are free seats.
pub fn invite_next(conn: &Connection, r: &InviteRequest) -> StoreResult<Option<InviteReport>> {
    let Some(cohort) = cohort(conn, &r.list, &r.cohort)? else {
        return Ok(None);
    };
    // The kept counts, not a scan of the list inside the writer's transaction.
    let waiting_before = count_by_status(conn, &r.list)?
        .into_iter()
        .find_map(|(status, people)| (status == Status::Confirmed.as_str()).then_some(people))
        .unwrap_or(0);
    let free = cohort.free_seats();
    let count = rules::invite_count(r.count, free, r.overbook);
    // The line in order; a person at the cap is passed over (their invitation could not
    // be sent, and they would silently lose their seat), keeps their place and is counted
    // for the owner. Looking further than `count` is bounded, so a line of people all at
    // the cap costs a bounded read.
    let line: Vec<(i64, Vec<u8>, bool)> = conn
        .prepare_cached(
            "SELECT id, email_index, undeliverable_at IS NOT NULL FROM subscribers
             WHERE list = ?1 AND status = 'confirmed' AND line_seq IS NOT NULL
             ORDER BY line_key, line_seq LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![r.list, count + MAX_HELD_BACK], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect()
        })
        .sql("reading the line")?;
    let mut next = Vec::new();
    let mut held_back = 0u32;
    // Invited all the same (the invitation is owed, and the mailbox may be back), but the
    // owner is told.
    let mut undeliverable = 0u32;
    for (subscriber_id, email_index, marked_undeliverable) in line {
        if next.len() as i64 >= count {
            break;
        }
        let recent = recent_mails(
            conn,
            &email_index,
            &r.all_lists,
            r.now - r.cap_window,
            r.now,
            r.now,
        )?;
        if at_cap(&recent, r.cap) {
            held_back += 1;
            continue;
        }
        undeliverable += u32::from(marked_undeliverable);
        next.push(subscriber_id);
    }
    for subscriber_id in &next {
        let token = NewToken {
            seed: rand::random(),
            expires_at: r.expires_at,
        };
        let token_id = insert_token(conn, *subscriber_id, TokenPurpose::Invite, &token, r.now)?;
        conn.prepare_cached(
            "INSERT INTO invitations (subscriber_id, cohort_id, token_id, state, invited_at, expires_at)
             VALUES (?1, ?2, ?3, 'invited', ?4, ?5)",
        )
        .and_then(|mut st| st.execute(params![subscriber_id, cohort.id, token_id, r.now, r.expires_at]))
        .sql("recording an invitation")?;
        conn.prepare_cached("UPDATE subscribers SET status = 'invited' WHERE id = ?1")
            .and_then(|mut st| st.execute([subscriber_id]))
            .sql("marking a person invited")?;
        queue_mail(
            conn,
            *subscriber_id,
            MailKind::Invite,
            Some(token_id),
            r.now,
        )?;
    }
    add_one(conn, &day_of(r.now), &r.list, "invites", next.len() as i64)?;
    Ok(Some(InviteReport {
        invited: next.len() as u32,
        held_back,
        undeliverable,
        free_seats_before: free,
        waiting_before,
    }))
}

/// Accepts or declines the invitation behind a token the caller has verified. Runs in
/// the single writer, so two people taking the last seat at the same moment are
/// serialised: one gets it, the other is told it is gone and keeps their place.
pub fn respond(
    conn: &Connection,
    token_id: i64,
    accept: bool,
    now: Millis,
) -> StoreResult<InviteResponse> {
    type Row = (i64, i64, String, Millis, String, String, i64);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT i.id, i.subscriber_id, i.state, i.expires_at, c.list, c.name, c.id
             FROM invitations i JOIN cohorts c ON c.id = i.cohort_id WHERE i.token_id = ?1",
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
                ))
            })
            .optional()
        })
        .sql("reading an invitation")?;
    let Some((invitation_id, subscriber_id, state, expires_at, list, cohort, cohort_id)) = row
    else {
        return Ok(InviteResponse::Unknown);
    };
    if state != "invited" {
        return Ok(InviteResponse::AlreadyAnswered {
            list,
            cohort,
            state,
        });
    }
    if now > expires_at {
        expire(conn, invitation_id, subscriber_id)?;
        return Ok(InviteResponse::Expired { list, cohort });
    }
    if !accept {
        set_state(conn, invitation_id, subscriber_id, "declined", now)?;
        invitation_answered(conn, false, subscriber_id, &list, &cohort, now)?;
        return Ok(InviteResponse::Declined { list, cohort });
    }
    let (capacity, accepted): (i64, i64) = conn
        .prepare_cached(
            "SELECT capacity, (SELECT COUNT(*) FROM invitations WHERE cohort_id = ?1 AND state = 'accepted')
             FROM cohorts WHERE id = ?1",
        )
        .and_then(|mut st| st.query_row([cohort_id], |r| Ok((r.get(0)?, r.get(1)?))))
        .sql("counting seats")?;
    if !rules::seat_left(capacity, accepted) {
        // Back in line at their old place: the invitation simply lapses.
        conn.prepare_cached(
            "UPDATE invitations SET state = 'expired', responded_at = ?2 WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![invitation_id, now]))
        .sql("closing an invitation")?;
        conn.prepare_cached("UPDATE subscribers SET status = 'confirmed' WHERE id = ?1")
            .and_then(|mut st| st.execute([subscriber_id]))
            .sql("putting a person back in line")?;
        return Ok(InviteResponse::Full { list, cohort });
    }
    set_state(conn, invitation_id, subscriber_id, "accepted", now)?;
    add_one(conn, &day_of(now), &list, "acceptances", 1)?;
    invitation_answered(conn, true, subscriber_id, &list, &cohort, now)?;
    Ok(InviteResponse::Accepted { list, cohort })
}

fn invitation_answered(
    conn: &Connection,
    accepted: bool,
    subscriber_id: i64,
    list: &str,
    cohort: &str,
    now: Millis,
) -> StoreResult<()> {
    super::webhooks::queue_event(
        conn,
        crate::store::invitation_event(accepted),
        subscriber_id,
        &crate::store::event_data(subscriber_id, list, Some(cohort)),
        now,
    )
}

fn set_state(
    conn: &Connection,
    invitation_id: i64,
    subscriber_id: i64,
    state: &str,
    now: Millis,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE invitations SET state = ?2, responded_at = ?3 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![invitation_id, state, now]))
        .sql("answering an invitation")?;
    conn.prepare_cached("UPDATE subscribers SET status = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![subscriber_id, state]))
        .sql("recording the answer")?;
    Ok(())
}

fn expire(conn: &Connection, invitation_id: i64, subscriber_id: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE invitations SET state = 'expired' WHERE id = ?1")
        .and_then(|mut st| st.execute([invitation_id]))
        .sql("expiring an invitation")?;
    conn.prepare_cached(
        "UPDATE subscribers SET status = 'expired' WHERE id = ?1 AND status = 'invited'",
    )
    .and_then(|mut st| st.execute([subscriber_id]))
    .sql("expiring an invitation")?;
    Ok(())
}

/// Invitations past their date that nobody answered: expired, seat freed.
pub fn expire_invitations(conn: &Connection, now: Millis) -> StoreResult<u64> {
    let due: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT id, subscriber_id FROM invitations WHERE state = 'invited' AND expires_at < ?1",
        )
        .and_then(|mut st| {
            st.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .sql("finding expired invitations")?;
    for (invitation_id, subscriber_id) in &due {
        expire(conn, *invitation_id, *subscriber_id)?;
    }
    Ok(due.len() as u64)
}

/// The invitation a token belongs to: (list, cohort, state, cohort start).
pub fn invitation(conn: &Connection, token_id: i64) -> StoreResult<Option<InvitationInfo>> {
    conn.prepare_cached(
        "SELECT c.list, c.name, i.state, c.starts FROM invitations i JOIN cohorts c ON c.id = i.cohort_id
         WHERE i.token_id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([token_id], |r| {
            Ok(InvitationInfo {
                list: r.get(0)?,
                cohort: r.get(1)?,
                state: r.get(2)?,
                starts: r.get(3)?,
            })
        })
        .optional()
    })
    .sql("reading an invitation")
}
