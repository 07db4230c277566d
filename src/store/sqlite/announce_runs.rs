//! Announcement runs: reading them with what their mails became, and pausing, resuming
//! and cancelling them.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::errors::SqlContext;
use crate::store::{
    AnnouncementReport, AnnouncementRun, MAX_REFUSAL_REASONS, Millis, NewsLookup, Publication,
    PublishChange, PublishedAnnouncement, Refusal, RunAction, RunAudience, RunChange,
    RunChangeOutcome, RunMails, RunProgress, RunState, StoreResult,
};

/// The columns `run_from_row` reads, in its order.
pub const RUN_COLUMNS: &str = "id, list, key, subject, state, statuses, cohort, where_field,
    where_value, send_at, sent_by, created_at, cursor_id, total, examined, audience, queued,
    already_sent, skipped_cap, skipped_refused, skipped_unsubscribed, next_slot, started_at,
    finished_at, publish, published_at, unpublished_at";

pub fn run_from_row(r: &Row<'_>) -> rusqlite::Result<AnnouncementRun> {
    let count = |i: usize| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
    let field: Option<String> = r.get(7)?;
    let value: Option<String> = r.get(8)?;
    Ok(AnnouncementRun {
        id: r.get(0)?,
        list: r.get(1)?,
        key: r.get(2)?,
        subject: r.get(3)?,
        // The table's CHECK allows nothing else.
        state: RunState::parse(&r.get::<_, String>(4)?).unwrap_or(RunState::Done),
        audience: RunAudience {
            statuses: RunAudience::parse_statuses(&r.get::<_, String>(5)?),
            cohort: r.get(6)?,
            field_equals: field.zip(value),
        },
        send_at: r.get(9)?,
        sent_by: r.get(10)?,
        created_at: r.get(11)?,
        cursor: r.get(12)?,
        total: count(13)?,
        examined: count(14)?,
        report: AnnouncementReport {
            audience: count(15)?,
            queued: count(16)?,
            already_sent: count(17)?,
            skipped_cap: count(18)?,
            skipped_refused: count(19)?,
            skipped_unsubscribed: count(20)?,
        },
        next_slot: r.get(21)?,
        started_at: r.get(22)?,
        finished_at: r.get(23)?,
        publication: Publication {
            publish: r.get::<_, i64>(24)? == 1,
            published_at: r.get(25)?,
            unpublished_at: r.get(26)?,
        },
    })
}

pub fn run_by_id(conn: &Connection, id: i64) -> StoreResult<Option<AnnouncementRun>> {
    conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM announcements WHERE id = ?1"
    ))
    .and_then(|mut st| st.query_row([id], run_from_row).optional())
    .sql("reading an announcement")
}

pub fn run_by_key(
    conn: &Connection,
    list: &str,
    key: &str,
) -> StoreResult<Option<AnnouncementRun>> {
    conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM announcements WHERE list = ?1 AND key = ?2"
    ))
    .and_then(|mut st| st.query_row(params![list, key], run_from_row).optional())
    .sql("finding an announcement")
}

/// Writes a run's state, cursor and figures.
pub fn save_run_figures(conn: &Connection, run: &AnnouncementRun) -> StoreResult<()> {
    let r = &run.report;
    conn.prepare_cached(
        "UPDATE announcements SET state = ?2, cursor_id = ?3, total = ?4, examined = ?5,
             audience = ?6, queued = ?7, already_sent = ?8, skipped_cap = ?9,
             skipped_refused = ?10, skipped_unsubscribed = ?11, next_slot = ?12,
             started_at = ?13, finished_at = ?14
         WHERE id = ?1",
    )
    .and_then(|mut st| {
        st.execute(params![
            run.id,
            run.state.as_str(),
            run.cursor,
            run.total as i64,
            run.examined as i64,
            r.audience as i64,
            r.queued as i64,
            r.already_sent as i64,
            r.skipped_cap as i64,
            r.skipped_refused as i64,
            r.skipped_unsubscribed as i64,
            run.next_slot,
            run.started_at,
            run.finished_at,
        ])
    })
    .sql("saving a run's figures")?;
    Ok(())
}

/// Pauses, resumes or cancels a run; see `Store::change_announcement`.
pub fn change(conn: &Connection, change: &RunChange) -> StoreResult<RunChangeOutcome> {
    let Some(mut run) = run_by_key(conn, &change.list, &change.key)? else {
        return Ok(RunChangeOutcome::NoSuchRun);
    };
    let Some(next) = change.action.next_state(run.state, run.send_at, change.now) else {
        return Ok(RunChangeOutcome::WrongState(run.state));
    };
    match change.action {
        RunAction::Pause => {}
        RunAction::Cancel => {
            conn.prepare_cached(
                "UPDATE outbox SET state = 'skipped', lease_until = NULL, last_error = 'cancelled'
                 WHERE state = 'queued'
                   AND id IN (SELECT outbox_id FROM announcement_mails WHERE announcement_id = ?1)",
            )
            .and_then(|mut st| st.execute([run.id]))
            .sql("cancelling an announcement's mails")?;
            run.finished_at = Some(change.now);
        }
        RunAction::Resume => {
            run.next_slot = reslot(conn, run.id, change.now.max(run.send_at), change.interval)?;
        }
    }
    run.state = next;
    save_run_figures(conn, &run)?;
    Ok(RunChangeOutcome::Changed(Box::new(run)))
}

/// Makes a run's queued mails (not those waiting for a retry) due one per `interval`
/// from `from`; the slot after the last.
fn reslot(conn: &Connection, announcement_id: i64, from: i64, interval: i64) -> StoreResult<i64> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT o.id FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
             WHERE m.announcement_id = ?1 AND o.state = 'queued' AND o.attempts = 0
             ORDER BY o.due_at, o.id",
        )
        .and_then(|mut st| st.query_map([announcement_id], |r| r.get(0))?.collect())
        .sql("finding a run's queued mails")?;
    let mut slot = from;
    for id in ids {
        conn.prepare_cached("UPDATE outbox SET due_at = ?2 WHERE id = ?1")
            .and_then(|mut st| st.execute(params![id, slot]))
            .sql("giving a resumed mail its slot")?;
        slot += interval.max(1);
    }
    Ok(slot)
}

/// What a run's mails became, from the outbox.
fn mails(conn: &Connection, announcement_id: i64) -> StoreResult<RunMails> {
    conn.prepare_cached(
        "SELECT COUNT(*) FILTER (WHERE o.state = 'queued' AND o.attempts = 0),
                COUNT(*) FILTER (WHERE o.state = 'queued' AND o.attempts > 0),
                COUNT(*) FILTER (WHERE o.state = 'sending'),
                COUNT(*) FILTER (WHERE o.state = 'sent'),
                COUNT(*) FILTER (WHERE o.state = 'failed'),
                COUNT(*) FILTER (WHERE o.state = 'skipped' AND o.last_error = 'cancelled'),
                COUNT(*) FILTER (WHERE o.state = 'skipped' AND o.last_error IS NOT 'cancelled')
         FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
         WHERE m.announcement_id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([announcement_id], |r| {
            let n = |i: usize| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
            Ok(RunMails {
                waiting: n(0)?,
                deferred: n(1)?,
                in_flight: n(2)?,
                sent: n(3)?,
                refused: n(4)?,
                cancelled: n(5)?,
                skipped_at_hand_off: n(6)?,
            })
        })
    })
    .sql("counting a run's mails")
}

/// A run's refused mails grouped by what the server said (stored without addresses).
fn refusals(conn: &Connection, announcement_id: i64) -> StoreResult<Vec<Refusal>> {
    conn.prepare_cached(
        "SELECT COALESCE(o.last_error, ''), COUNT(*) AS n
         FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
         WHERE m.announcement_id = ?1 AND o.state = 'failed'
         GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?2",
    )
    .and_then(|mut st| {
        st.query_map(params![announcement_id, MAX_REFUSAL_REASONS], |r| {
            Ok(Refusal {
                reason: r.get(0)?,
                mails: r.get::<_, i64>(1)?.max(0) as u64,
            })
        })?
        .collect()
    })
    .sql("counting a run's refusals by reason")
}

pub fn runs(conn: &Connection, list: &str) -> StoreResult<Vec<RunProgress>> {
    let runs: Vec<AnnouncementRun> = conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM announcements WHERE list = ?1 ORDER BY id DESC"
        ))
        .and_then(|mut st| st.query_map([list], run_from_row)?.collect())
        .sql("listing announcements")?;
    runs.into_iter()
        .map(|run| {
            let mails = mails(conn, run.id)?;
            let refusals = refusals(conn, run.id)?;
            Ok(RunProgress {
                run,
                mails,
                refusals,
            })
        })
        .collect()
}

pub fn run(conn: &Connection, list: &str, key: &str) -> StoreResult<Option<RunProgress>> {
    run_by_key(conn, list, key)?
        .map(|run| {
            let mails = mails(conn, run.id)?;
            let refusals = refusals(conn, run.id)?;
            Ok(RunProgress {
                run,
                mails,
                refusals,
            })
        })
        .transpose()
}

/// Puts a run's announcement on the site when the owner wants it there and its run has
/// started (the moment it first went up is kept).
pub fn publish_if_started(conn: &Connection, id: i64, now: Millis) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE announcements SET published_at = COALESCE(published_at, ?2)
         WHERE id = ?1 AND publish = 1 AND unpublished_at IS NULL AND started_at IS NOT NULL",
    )
    .and_then(|mut st| st.execute(params![id, now]))
    .sql("publishing an announcement")?;
    Ok(())
}

/// See `Store::set_announcement_published`.
pub fn set_published(
    conn: &Connection,
    change: &PublishChange,
) -> StoreResult<Option<AnnouncementRun>> {
    let Some(run) = run_by_key(conn, &change.list, &change.key)? else {
        return Ok(None);
    };
    if change.publish {
        conn.prepare_cached(
            "UPDATE announcements SET publish = 1, unpublished_at = NULL WHERE id = ?1",
        )
        .and_then(|mut st| st.execute([run.id]))
        .sql("publishing an announcement")?;
        publish_if_started(conn, run.id, change.now)?;
    } else {
        conn.prepare_cached(
            "UPDATE announcements SET publish = 0,
                 unpublished_at = CASE WHEN published_at IS NULL THEN NULL
                                       ELSE COALESCE(unpublished_at, ?2) END
             WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![run.id, change.now]))
        .sql("unpublishing an announcement")?;
    }
    run_by_id(conn, run.id)
}

const PUBLISHED_COLUMNS: &str = "id, list, key, subject, markdown, published_at, unpublished_at";

fn published_from_row(r: &Row<'_>) -> rusqlite::Result<(PublishedAnnouncement, Option<Millis>)> {
    Ok((
        PublishedAnnouncement {
            id: r.get(0)?,
            list: r.get(1)?,
            key: r.get(2)?,
            subject: r.get(3)?,
            markdown: r.get(4)?,
            published_at: r.get::<_, Option<Millis>>(5)?.unwrap_or(Millis::MAX),
        },
        r.get(6)?,
    ))
}

/// See `Store::published_announcements`.
pub fn published(
    conn: &Connection,
    now: Millis,
    limit: u32,
) -> StoreResult<Vec<PublishedAnnouncement>> {
    conn.prepare_cached(&format!(
        "SELECT {PUBLISHED_COLUMNS} FROM announcements
         WHERE published_at IS NOT NULL AND unpublished_at IS NULL AND published_at <= ?1
         ORDER BY published_at DESC, id DESC LIMIT ?2"
    ))
    .and_then(|mut st| {
        st.query_map(params![now, limit], |r| {
            published_from_row(r).map(|(a, _)| a)
        })?
        .collect()
    })
    .sql("listing published announcements")
}

/// See `Store::published_announcement`.
pub fn published_one(conn: &Connection, id: i64, now: Millis) -> StoreResult<NewsLookup> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {PUBLISHED_COLUMNS} FROM announcements
             WHERE id = ?1 AND published_at IS NOT NULL"
        ))
        .and_then(|mut st| st.query_row([id], published_from_row).optional())
        .sql("reading a published announcement")?;
    Ok(crate::store::news_lookup(found, now))
}
