//! Announcement runs: reading them with what their mails became, and pausing, resuming
//! and cancelling them (as store/sqlite/announce_runs.rs; a change holds the run's row).

use tokio_postgres::Row;

use super::db::{Tx, all, col, exec, one, opt};
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

pub fn run_from_row(r: &Row) -> StoreResult<AnnouncementRun> {
    let count = |i: usize| col::<i64>(r, i).map(|n| n.max(0) as u64);
    let field: Option<String> = col(r, 7)?;
    let value: Option<String> = col(r, 8)?;
    Ok(AnnouncementRun {
        id: col(r, 0)?,
        list: col(r, 1)?,
        key: col(r, 2)?,
        subject: col(r, 3)?,
        // The table's CHECK allows nothing else.
        state: RunState::parse(&col::<String>(r, 4)?).unwrap_or(RunState::Done),
        audience: RunAudience {
            statuses: RunAudience::parse_statuses(&col::<String>(r, 5)?),
            cohort: col(r, 6)?,
            field_equals: field.zip(value),
        },
        send_at: col(r, 9)?,
        sent_by: col(r, 10)?,
        created_at: col(r, 11)?,
        cursor: col(r, 12)?,
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
        next_slot: col(r, 21)?,
        started_at: col(r, 22)?,
        finished_at: col(r, 23)?,
        publication: Publication {
            publish: col::<i64>(r, 24)? == 1,
            published_at: col(r, 25)?,
            unpublished_at: col(r, 26)?,
        },
    })
}

/// A run by id; with `lock`, its row is held until the transaction ends.
pub async fn run_by_id(tx: &Tx<'_>, id: i64, lock: bool) -> StoreResult<Option<AnnouncementRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM announcements WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    opt(tx, &sql, &[&id], "reading an announcement")
        .await?
        .map(|row| run_from_row(&row))
        .transpose()
}

pub async fn run_by_key(
    tx: &Tx<'_>,
    list: &str,
    key: &str,
    lock: bool,
) -> StoreResult<Option<AnnouncementRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM announcements WHERE list = $1 AND key = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    opt(tx, &sql, &[&list, &key], "finding an announcement")
        .await?
        .map(|row| run_from_row(&row))
        .transpose()
}

/// Writes a run's state, cursor and figures.
pub async fn save_run_figures(tx: &Tx<'_>, run: &AnnouncementRun) -> StoreResult<()> {
    let r = &run.report;
    exec(
        tx,
        "UPDATE announcements SET state = $2, cursor_id = $3, total = $4, examined = $5,
             audience = $6, queued = $7, already_sent = $8, skipped_cap = $9,
             skipped_refused = $10, skipped_unsubscribed = $11, next_slot = $12,
             started_at = $13, finished_at = $14
         WHERE id = $1",
        &[
            &run.id,
            &run.state.as_str(),
            &run.cursor,
            &(run.total as i64),
            &(run.examined as i64),
            &(r.audience as i64),
            &(r.queued as i64),
            &(r.already_sent as i64),
            &(r.skipped_cap as i64),
            &(r.skipped_refused as i64),
            &(r.skipped_unsubscribed as i64),
            &run.next_slot,
            &run.started_at,
            &run.finished_at,
        ],
        "saving a run's figures",
    )
    .await?;
    Ok(())
}

/// Pauses, resumes or cancels a run; see `Store::change_announcement`.
pub async fn change(tx: &Tx<'_>, change: &RunChange) -> StoreResult<RunChangeOutcome> {
    let Some(mut run) = run_by_key(tx, &change.list, &change.key, true).await? else {
        return Ok(RunChangeOutcome::NoSuchRun);
    };
    let Some(next) = change.action.next_state(run.state, run.send_at, change.now) else {
        return Ok(RunChangeOutcome::WrongState(run.state));
    };
    match change.action {
        RunAction::Pause => {}
        RunAction::Cancel => {
            // A mail a node has claimed meanwhile is locked by it and no longer 'queued'
            // once it commits: it goes, and is counted as sent or refused.
            exec(
                tx,
                "UPDATE outbox SET state = 'skipped', lease_until = NULL, last_error = 'cancelled'
                 WHERE state = 'queued'
                   AND id IN (SELECT outbox_id FROM announcement_mails WHERE announcement_id = $1)",
                &[&run.id],
                "cancelling an announcement's mails",
            )
            .await?;
            run.finished_at = Some(change.now);
        }
        RunAction::Resume => {
            run.next_slot =
                reslot(tx, run.id, change.now.max(run.send_at), change.interval).await?;
        }
    }
    run.state = next;
    save_run_figures(tx, &run).await?;
    Ok(RunChangeOutcome::Changed(Box::new(run)))
}

/// Makes a run's queued mails (not those waiting for a retry) due one per `interval`
/// from `from`; the slot after the last.
async fn reslot(tx: &Tx<'_>, announcement_id: i64, from: i64, interval: i64) -> StoreResult<i64> {
    let interval = interval.max(1);
    let row = one(
        tx,
        "WITH slotted AS (
             SELECT o.id, row_number() OVER (ORDER BY o.due_at, o.id) - 1 AS place
             FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
             WHERE m.announcement_id = $1 AND o.state = 'queued' AND o.attempts = 0),
         moved AS (
             UPDATE outbox o SET due_at = $2 + slotted.place * $3
             FROM slotted WHERE o.id = slotted.id RETURNING 1)
         SELECT COUNT(*) FROM moved",
        &[&announcement_id, &from, &interval],
        "giving a resumed run's mails their slots",
    )
    .await?;
    Ok(from + col::<i64>(&row, 0)? * interval)
}

/// What a run's mails became, from the outbox.
async fn mails(tx: &Tx<'_>, announcement_id: i64) -> StoreResult<RunMails> {
    let row = one(
        tx,
        "SELECT COUNT(*) FILTER (WHERE o.state = 'queued' AND o.attempts = 0),
                COUNT(*) FILTER (WHERE o.state = 'queued' AND o.attempts > 0),
                COUNT(*) FILTER (WHERE o.state = 'sending'),
                COUNT(*) FILTER (WHERE o.state = 'sent'),
                COUNT(*) FILTER (WHERE o.state = 'failed'),
                COUNT(*) FILTER (WHERE o.state = 'skipped' AND o.last_error = 'cancelled'),
                COUNT(*) FILTER (WHERE o.state = 'skipped'
                                   AND o.last_error IS DISTINCT FROM 'cancelled')
         FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
         WHERE m.announcement_id = $1",
        &[&announcement_id],
        "counting a run's mails",
    )
    .await?;
    let n = |i: usize| col::<i64>(&row, i).map(|n| n.max(0) as u64);
    Ok(RunMails {
        waiting: n(0)?,
        deferred: n(1)?,
        in_flight: n(2)?,
        sent: n(3)?,
        refused: n(4)?,
        cancelled: n(5)?,
        skipped_at_hand_off: n(6)?,
    })
}

/// A run's refused mails grouped by what the server said (stored without addresses).
async fn refusals(tx: &Tx<'_>, announcement_id: i64) -> StoreResult<Vec<Refusal>> {
    let rows = all(
        tx,
        "SELECT COALESCE(o.last_error, ''), COUNT(*) AS n
         FROM announcement_mails m JOIN outbox o ON o.id = m.outbox_id
         WHERE m.announcement_id = $1 AND o.state = 'failed'
         GROUP BY 1 ORDER BY n DESC, 1 LIMIT $2",
        &[&announcement_id, &MAX_REFUSAL_REASONS],
        "counting a run's refusals by reason",
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Refusal {
                reason: col(row, 0)?,
                mails: col::<i64>(row, 1)?.max(0) as u64,
            })
        })
        .collect()
}

pub async fn runs(tx: &Tx<'_>, list: &str) -> StoreResult<Vec<RunProgress>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM announcements WHERE list = $1 ORDER BY id DESC");
    let rows = all(tx, &sql, &[&list], "listing announcements").await?;
    let mut runs = Vec::with_capacity(rows.len());
    for row in &rows {
        let run = run_from_row(row)?;
        let mails = mails(tx, run.id).await?;
        let refusals = refusals(tx, run.id).await?;
        runs.push(RunProgress {
            run,
            mails,
            refusals,
        });
    }
    Ok(runs)
}

pub async fn run(tx: &Tx<'_>, list: &str, key: &str) -> StoreResult<Option<RunProgress>> {
    let Some(run) = run_by_key(tx, list, key, false).await? else {
        return Ok(None);
    };
    let mails = mails(tx, run.id).await?;
    let refusals = refusals(tx, run.id).await?;
    Ok(Some(RunProgress {
        run,
        mails,
        refusals,
    }))
}

/// Puts a run's announcement on the site when the owner wants it there and its run has
/// started (the moment it first went up is kept).
pub async fn publish_if_started(tx: &Tx<'_>, id: i64, now: Millis) -> StoreResult<()> {
    exec(
        tx,
        "UPDATE announcements SET published_at = COALESCE(published_at, $2)
         WHERE id = $1 AND publish = 1 AND unpublished_at IS NULL AND started_at IS NOT NULL",
        &[&id, &now],
        "publishing an announcement",
    )
    .await?;
    Ok(())
}

/// See `Store::set_announcement_published`; the run's row is held.
pub async fn set_published(
    tx: &Tx<'_>,
    change: &PublishChange,
) -> StoreResult<Option<AnnouncementRun>> {
    let Some(run) = run_by_key(tx, &change.list, &change.key, true).await? else {
        return Ok(None);
    };
    if change.publish {
        exec(
            tx,
            "UPDATE announcements SET publish = 1, unpublished_at = NULL WHERE id = $1",
            &[&run.id],
            "publishing an announcement",
        )
        .await?;
        publish_if_started(tx, run.id, change.now).await?;
    } else {
        exec(
            tx,
            "UPDATE announcements SET publish = 0,
                 unpublished_at = CASE WHEN published_at IS NULL THEN NULL
                                       ELSE COALESCE(unpublished_at, $2) END
             WHERE id = $1",
            &[&run.id, &change.now],
            "unpublishing an announcement",
        )
        .await?;
    }
    run_by_id(tx, run.id, false).await
}

const PUBLISHED_COLUMNS: &str = "id, list, key, subject, markdown, published_at, unpublished_at";

fn published_from_row(r: &Row) -> StoreResult<(PublishedAnnouncement, Option<Millis>)> {
    Ok((
        PublishedAnnouncement {
            id: col(r, 0)?,
            list: col(r, 1)?,
            key: col(r, 2)?,
            subject: col(r, 3)?,
            markdown: col(r, 4)?,
            published_at: col::<Option<Millis>>(r, 5)?.unwrap_or(Millis::MAX),
        },
        col(r, 6)?,
    ))
}

/// See `Store::published_announcements`.
pub async fn published(
    tx: &Tx<'_>,
    now: Millis,
    limit: u32,
) -> StoreResult<Vec<PublishedAnnouncement>> {
    let sql = format!(
        "SELECT {PUBLISHED_COLUMNS} FROM announcements
         WHERE published_at IS NOT NULL AND unpublished_at IS NULL AND published_at <= $1
         ORDER BY published_at DESC, id DESC LIMIT $2"
    );
    all(
        tx,
        &sql,
        &[&now, &i64::from(limit)],
        "listing published announcements",
    )
    .await?
    .iter()
    .map(|r| published_from_row(r).map(|(a, _)| a))
    .collect()
}

/// See `Store::published_announcement`.
pub async fn published_one(tx: &Tx<'_>, id: i64, now: Millis) -> StoreResult<NewsLookup> {
    let sql = format!(
        "SELECT {PUBLISHED_COLUMNS} FROM announcements WHERE id = $1 AND published_at IS NOT NULL"
    );
    let found = opt(tx, &sql, &[&id], "reading a published announcement")
        .await?
        .map(|r| published_from_row(&r))
        .transpose()?;
    Ok(crate::store::news_lookup(found, now))
}
