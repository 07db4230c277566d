//! Cohorts and invitations. Capacity holds across nodes: an invitation round takes the
//! list's line lock and the cohort's row; an acceptance takes the invitation's row, then
//! the cohort's, so two people taking the last seat on two nodes are counted in turn.

use super::db::{Tx, all, col, exec, opt};
use super::export::count_by_status;
use super::locks::lock_line;
use super::mail::recent_mails;
use super::owner::add_one;
use super::signup::{insert_token, queue_mail};
use crate::domain::{Status, TokenPurpose};
use crate::mail::rules::at_cap;
use crate::store::{
    CohortRow, InvitationInfo, InviteReport, InviteRequest, InviteResponse, MailKind, Millis,
    NewToken, StoreResult, day_of,
};
use crate::waitlist::rules;

pub async fn ensure_cohort(
    tx: &Tx<'_>,
    list: &str,
    name: &str,
    capacity: i64,
    starts: Option<&str>,
    now: Millis,
) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO cohorts (list, name, capacity, starts, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (list, name) DO UPDATE SET capacity = EXCLUDED.capacity,
             starts = EXCLUDED.starts",
        &[&list, &name, &capacity, &starts, &now],
        "saving a cohort",
    )
    .await?;
    Ok(())
}

const COHORT_COLUMNS: &str = "c.id, c.list, c.name, c.capacity, c.starts,
    (SELECT COUNT(*) FROM invitations i WHERE i.cohort_id = c.id AND i.state = 'accepted'),
    (SELECT COUNT(*) FROM invitations i WHERE i.cohort_id = c.id AND i.state = 'invited')";

fn cohort_row(r: &tokio_postgres::Row) -> StoreResult<CohortRow> {
    Ok(CohortRow {
        id: col(r, 0)?,
        list: col(r, 1)?,
        name: col(r, 2)?,
        capacity: col(r, 3)?,
        starts: col(r, 4)?,
        accepted: col(r, 5)?,
        open: col(r, 6)?,
    })
}

pub async fn cohorts(tx: &Tx<'_>, list: &str) -> StoreResult<Vec<CohortRow>> {
    all(
        tx,
        &format!("SELECT {COHORT_COLUMNS} FROM cohorts c WHERE c.list = $1 ORDER BY c.id"),
        &[&list],
        "reading cohorts",
    )
    .await?
    .iter()
    .map(cohort_row)
    .collect()
}

/// How many people at the cap one invitation round looks past.
const MAX_HELD_BACK: i64 = 1_000;

pub async fn invite_next(tx: &Tx<'_>, r: &InviteRequest) -> StoreResult<Option<InviteReport>> {
    // The line stands still (no confirmation numbers itself meanwhile) and the cohort's
    // seats are counted once, by one round at a time.
    lock_line(tx, &r.list).await?;
    let Some(cohort) = opt(
        tx,
        "SELECT id FROM cohorts WHERE list = $1 AND name = $2 FOR UPDATE",
        &[&r.list, &r.cohort],
        "locking a cohort",
    )
    .await?
    else {
        return Ok(None);
    };
    let cohort_id: i64 = col(&cohort, 0)?;
    let Some(row) = opt(
        tx,
        &format!("SELECT {COHORT_COLUMNS} FROM cohorts c WHERE c.id = $1"),
        &[&cohort_id],
        "reading a cohort",
    )
    .await?
    else {
        return Ok(None);
    };
    let cohort = cohort_row(&row)?;
    let waiting_before = count_by_status(tx, &r.list)
        .await?
        .into_iter()
        .find_map(|(status, people)| (status == Status::Confirmed.as_str()).then_some(people))
        .unwrap_or(0);
    let free = cohort.free_seats();
    let count = rules::invite_count(r.count, free, r.overbook);
    let line = all(
        tx,
        "SELECT id, email_index FROM subscribers
         WHERE list = $1 AND status = 'confirmed' AND line_seq IS NOT NULL
         ORDER BY line_key, line_seq LIMIT $2",
        &[&r.list, &(count + MAX_HELD_BACK).max(0)],
        "reading the line",
    )
    .await?;
    let mut invited = 0i64;
    let mut held_back = 0u32;
    let mut undeliverable = 0u32;
    for person in &line {
        if invited >= count {
            break;
        }
        let subscriber_id: i64 = col(person, 0)?;
        let email_index: Vec<u8> = col(person, 1)?;
        let recent = recent_mails(
            tx,
            &email_index,
            &r.all_lists,
            r.now - r.cap_window,
            r.now,
            r.now,
        )
        .await?;
        if at_cap(&recent, r.cap) {
            held_back += 1;
            continue;
        }
        // Still confirmed now (not unsubscribed or erased on another node since the line
        // was read): only then invited.
        let Some(marked) = opt(
            tx,
            "UPDATE subscribers SET status = 'invited' WHERE id = $1 AND status = 'confirmed'
             RETURNING undeliverable_at IS NOT NULL",
            &[&subscriber_id],
            "marking a person invited",
        )
        .await?
        else {
            continue;
        };
        // Invited all the same (the invitation is owed, and the mailbox may be back), but
        // the owner is told.
        if col::<bool>(&marked, 0)? {
            undeliverable += 1;
        }
        let token = NewToken {
            seed: rand::random(),
            expires_at: r.expires_at,
        };
        let token_id = insert_token(tx, subscriber_id, TokenPurpose::Invite, &token, r.now).await?;
        exec(
            tx,
            "INSERT INTO invitations (subscriber_id, cohort_id, token_id, state, invited_at, expires_at)
             VALUES ($1, $2, $3, 'invited', $4, $5)",
            &[&subscriber_id, &cohort.id, &token_id, &r.now, &r.expires_at],
            "recording an invitation",
        )
        .await?;
        queue_mail(tx, subscriber_id, MailKind::Invite, Some(token_id), r.now).await?;
        invited += 1;
    }
    add_one(tx, &day_of(r.now), &r.list, "invites", invited).await?;
    Ok(Some(InviteReport {
        invited: invited as u32,
        held_back,
        undeliverable,
        free_seats_before: free,
        waiting_before,
    }))
}

pub async fn respond(
    tx: &Tx<'_>,
    token_id: i64,
    accept: bool,
    now: Millis,
) -> StoreResult<InviteResponse> {
    let Some(row) = opt(
        tx,
        "SELECT i.id, i.subscriber_id, i.state, i.expires_at, c.list, c.name, c.id
         FROM invitations i JOIN cohorts c ON c.id = i.cohort_id WHERE i.token_id = $1
         FOR UPDATE OF i",
        &[&token_id],
        "reading an invitation",
    )
    .await?
    else {
        return Ok(InviteResponse::Unknown);
    };
    let invitation_id: i64 = col(&row, 0)?;
    let subscriber_id: i64 = col(&row, 1)?;
    let state: String = col(&row, 2)?;
    let expires_at: Millis = col(&row, 3)?;
    let list: String = col(&row, 4)?;
    let cohort: String = col(&row, 5)?;
    let cohort_id: i64 = col(&row, 6)?;
    if state != "invited" {
        return Ok(InviteResponse::AlreadyAnswered {
            list,
            cohort,
            state,
        });
    }
    if now > expires_at {
        expire(tx, invitation_id, subscriber_id).await?;
        return Ok(InviteResponse::Expired { list, cohort });
    }
    if !accept {
        set_state(tx, invitation_id, subscriber_id, "declined", now).await?;
        invitation_answered(tx, false, subscriber_id, &list, &cohort, now).await?;
        return Ok(InviteResponse::Declined { list, cohort });
    }
    // The cohort's row is the seat counter's lock: acceptances on every node take turns.
    let Some(seats) = opt(
        tx,
        "SELECT capacity FROM cohorts WHERE id = $1 FOR UPDATE",
        &[&cohort_id],
        "locking a cohort",
    )
    .await?
    else {
        return Ok(InviteResponse::Unknown);
    };
    let capacity: i64 = col(&seats, 0)?;
    let accepted = opt(
        tx,
        "SELECT COUNT(*) FROM invitations WHERE cohort_id = $1 AND state = 'accepted'",
        &[&cohort_id],
        "counting seats",
    )
    .await?
    .map(|r| col::<i64>(&r, 0))
    .transpose()?
    .unwrap_or(0);
    if !rules::seat_left(capacity, accepted) {
        exec(
            tx,
            "UPDATE invitations SET state = 'expired', responded_at = $2 WHERE id = $1",
            &[&invitation_id, &now],
            "closing an invitation",
        )
        .await?;
        exec(
            tx,
            "UPDATE subscribers SET status = 'confirmed' WHERE id = $1",
            &[&subscriber_id],
            "putting a person back in line",
        )
        .await?;
        return Ok(InviteResponse::Full { list, cohort });
    }
    set_state(tx, invitation_id, subscriber_id, "accepted", now).await?;
    add_one(tx, &day_of(now), &list, "acceptances", 1).await?;
    invitation_answered(tx, true, subscriber_id, &list, &cohort, now).await?;
    Ok(InviteResponse::Accepted { list, cohort })
}

async fn invitation_answered(
    tx: &Tx<'_>,
    accepted: bool,
    subscriber_id: i64,
    list: &str,
    cohort: &str,
    now: Millis,
) -> StoreResult<()> {
    super::webhooks::queue_event(
        tx,
        crate::store::invitation_event(accepted),
        subscriber_id,
        &crate::store::event_data(subscriber_id, list, Some(cohort)),
        now,
    )
    .await
}

async fn set_state(
    tx: &Tx<'_>,
    invitation_id: i64,
    subscriber_id: i64,
    state: &str,
    now: Millis,
) -> StoreResult<()> {
    exec(
        tx,
        "UPDATE invitations SET state = $2, responded_at = $3 WHERE id = $1",
        &[&invitation_id, &state, &now],
        "answering an invitation",
    )
    .await?;
    exec(
        tx,
        "UPDATE subscribers SET status = $2 WHERE id = $1",
        &[&subscriber_id, &state],
        "recording the answer",
    )
    .await?;
    Ok(())
}

async fn expire(tx: &Tx<'_>, invitation_id: i64, subscriber_id: i64) -> StoreResult<()> {
    exec(
        tx,
        "UPDATE invitations SET state = 'expired' WHERE id = $1",
        &[&invitation_id],
        "expiring an invitation",
    )
    .await?;
    exec(
        tx,
        "UPDATE subscribers SET status = 'expired' WHERE id = $1 AND status = 'invited'",
        &[&subscriber_id],
        "expiring an invitation",
    )
    .await?;
    Ok(())
}

/// Invitations past their date that nobody answered: expired, seat freed. One statement
/// takes each (an answer on another node meanwhile wins, or waits and finds it expired).
pub async fn expire_invitations(tx: &Tx<'_>, now: Millis) -> StoreResult<u64> {
    let due = all(
        tx,
        "UPDATE invitations SET state = 'expired'
         WHERE state = 'invited' AND expires_at < $1
         RETURNING subscriber_id",
        &[&now],
        "expiring invitations",
    )
    .await?;
    let people = due
        .iter()
        .map(|r| col::<i64>(r, 0))
        .collect::<StoreResult<Vec<_>>>()?;
    exec(
        tx,
        "UPDATE subscribers SET status = 'expired' WHERE id = ANY($1) AND status = 'invited'",
        &[&people],
        "expiring invitations",
    )
    .await?;
    Ok(people.len() as u64)
}

pub async fn invitation(tx: &Tx<'_>, token_id: i64) -> StoreResult<Option<InvitationInfo>> {
    opt(
        tx,
        "SELECT c.list, c.name, i.state, c.starts FROM invitations i
         JOIN cohorts c ON c.id = i.cohort_id WHERE i.token_id = $1",
        &[&token_id],
        "reading an invitation",
    )
    .await?
    .map(|r| {
        Ok(InvitationInfo {
            list: col(&r, 0)?,
            cohort: col(&r, 1)?,
            state: col(&r, 2)?,
            starts: col(&r, 3)?,
        })
    })
    .transpose()
}
