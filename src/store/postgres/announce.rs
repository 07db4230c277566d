//! Announcements: recording a run, queueing it a batch at a time (each person at most
//! once, ever), and the dry run (as store/sqlite/announce.rs). A batch holds its run's row
//! `FOR UPDATE`, so two nodes never take the same people; the primary key of
//! `announcement_mails` holds across nodes whatever happens.

use super::announce_runs::{
    RUN_COLUMNS, publish_if_started, run_by_id, run_by_key, run_from_row, save_run_figures,
};
use super::db::{Tx, all, col, exec, one, opt};
use super::mail::recent_mails;
use super::signup::{insert_token, queue_mail};
use crate::domain::TokenPurpose;
use crate::mail::rules::announcement_fits;
use crate::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRun, BatchOutcome, DryRun, MailKind, Millis,
    NewRun, NewToken, RunAudience, RunBatch, RunRules, RunStart, RunState, StoreError, StoreResult,
    Verdict, slots_before_horizon,
};

/// The people a dry run reads at a time.
const DRY_RUN_PAGE: i64 = 1_000;

/// Records the announcement and its run; see `Store::start_announcement`.
pub async fn start_announcement(tx: &Tx<'_>, new: &NewRun) -> StoreResult<RunStart> {
    let AnnouncementMail {
        key,
        subject,
        markdown,
    } = &new.announcement;
    let sending = new.send_at <= new.now;
    let (state, started_at, total, unsubscribed) = if sending {
        (
            RunState::Sending,
            Some(new.now),
            count_candidates(tx, &new.list, &new.audience).await?,
            count_unsubscribed(tx, &new.list).await?,
        )
    } else {
        (RunState::Scheduled, None, 0, 0)
    };
    let (field, value) = new.audience.field_equals.clone().unzip();
    let id = opt(
        tx,
        "INSERT INTO announcements (list, key, subject, markdown, created_at, sent_by, state,
             send_at, statuses, cohort, where_field, where_value, cursor_id, total, examined,
             audience, queued, already_sent, skipped_cap, skipped_refused,
             skipped_unsubscribed, next_slot, started_at, finished_at, publish)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, 0, 0, 0, 0, 0, 0,
                 $14, $8, $15, NULL, $16)
         ON CONFLICT (list, key) DO UPDATE SET subject = excluded.subject,
             markdown = excluded.markdown, sent_by = excluded.sent_by, state = excluded.state,
             send_at = excluded.send_at, statuses = excluded.statuses,
             cohort = excluded.cohort, where_field = excluded.where_field,
             where_value = excluded.where_value, cursor_id = 0, total = excluded.total,
             examined = 0, audience = 0, queued = 0, already_sent = 0, skipped_cap = 0,
             skipped_refused = 0, skipped_unsubscribed = excluded.skipped_unsubscribed,
             next_slot = excluded.next_slot, started_at = excluded.started_at,
             finished_at = NULL, publish = GREATEST(announcements.publish, excluded.publish),
             unpublished_at = CASE WHEN excluded.publish = 1 THEN NULL
                                   ELSE announcements.unpublished_at END
         WHERE announcements.state = 'done'
         RETURNING id",
        &[
            &new.list,
            key,
            subject,
            markdown,
            &new.now,
            &new.sent_by,
            &state.as_str(),
            &new.send_at,
            &new.audience.statuses_text(),
            &new.audience.cohort,
            &field,
            &value,
            &(total as i64),
            &(unsubscribed as i64),
            &started_at,
            &i64::from(new.publish),
        ],
        "saving an announcement",
    )
    .await?
    .map(|row| col::<i64>(&row, 0))
    .transpose()?;
    let Some(id) = id else {
        // Scheduled, sending, paused or cancelled: the run goes on as it was. Its latest
        // text is kept (an owner who fixes a typo reaches the people not yet mailed with
        // the fixed text).
        let existing = run_by_key(tx, &new.list, key, true)
            .await?
            .ok_or_else(vanished)?;
        // Asked to publish, it goes up too (at once if its run has started).
        exec(
            tx,
            "UPDATE announcements SET subject = $3, markdown = $4,
                 publish = GREATEST(publish, $5),
                 unpublished_at = CASE WHEN $5 = 1 THEN NULL ELSE unpublished_at END
             WHERE list = $1 AND key = $2",
            &[&new.list, key, subject, markdown, &i64::from(new.publish)],
            "updating an announcement's text",
        )
        .await?;
        publish_if_started(tx, existing.id, new.now).await?;
        let run = run_by_id(tx, existing.id, false)
            .await?
            .ok_or_else(vanished)?;
        return Ok(RunStart {
            run,
            started: false,
        });
    };
    publish_if_started(tx, id, new.now).await?;
    let run = run_by_id(tx, id, false).await?.ok_or_else(vanished)?;
    Ok(RunStart { run, started: true })
}

fn vanished() -> StoreError {
    StoreError::Internal(anyhow::anyhow!("an announcement vanished"))
}

/// Runs due now, or whose next slot is near.
pub async fn due_announcements(
    tx: &Tx<'_>,
    now: Millis,
    horizon: Millis,
) -> StoreResult<Vec<AnnouncementRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM announcements
         WHERE (state = 'scheduled' AND send_at <= $1) OR (state = 'sending' AND next_slot < $2)
         ORDER BY id"
    );
    all(
        tx,
        &sql,
        &[&now, &(now + horizon)],
        "finding due announcements",
    )
    .await?
    .iter()
    .map(run_from_row)
    .collect()
}

/// One batch of a run; see `Store::queue_announcement_batch`.
pub async fn queue_batch(tx: &Tx<'_>, batch: &RunBatch) -> StoreResult<BatchOutcome> {
    let now = batch.rules.now;
    // The run's row is held until commit: another node's batch of this run waits here,
    // then reads the cursor this one leaves.
    let Some(mut run) = run_by_id(tx, batch.run_id, true).await? else {
        return Ok(BatchOutcome::idle(RunState::Done));
    };
    if run.is_due_to_start(now) {
        let total = count_candidates(tx, &run.list, &run.audience).await?;
        let unsubscribed = count_unsubscribed(tx, &run.list).await?;
        run.start_sending(now, total, unsubscribed);
        // Published when its run starts: saved now, whatever this batch does next.
        save_run_figures(tx, &run).await?;
        publish_if_started(tx, run.id, now).await?;
    }
    if run.state != RunState::Sending {
        return Ok(BatchOutcome::idle(run.state));
    }
    run.next_slot = run.next_slot.max(now);
    let budget = slots_before_horizon(run.next_slot, now, batch.horizon, batch.interval);
    if budget == 0 {
        save_run_figures(tx, &run).await?;
        return Ok(BatchOutcome::idle(run.state));
    }
    let people = candidates(
        tx,
        &run.list,
        &run.audience,
        run.cursor,
        i64::from(batch.size),
    )
    .await?;
    let mut outcome = BatchOutcome::idle(RunState::Sending);
    for person in &people {
        let verdict = examine(tx, Some(run.id), person, &batch.rules).await?;
        outcome.examined += 1;
        if verdict == Verdict::Queue {
            queue_for(
                tx,
                run.id,
                person.id,
                &batch.manage_token,
                now,
                run.next_slot,
            )
            .await?;
            outcome.queued += 1;
        }
        run.examined_one(person.id, verdict, batch.interval);
        if outcome.queued >= budget {
            break;
        }
    }
    run.finish_if_exhausted(outcome.examined, people.len(), batch.size, now);
    outcome.state = run.state;
    save_run_figures(tx, &run).await?;
    Ok(outcome)
}

/// The same pass as the runs, reading only.
pub async fn dry_run(tx: &Tx<'_>, dry: &DryRun) -> StoreResult<AnnouncementReport> {
    let announcement_id = run_by_key(tx, &dry.list, &dry.key, false)
        .await?
        .map(|run| run.id);
    let mut report = AnnouncementReport {
        skipped_unsubscribed: count_unsubscribed(tx, &dry.list).await?,
        ..AnnouncementReport::default()
    };
    let mut cursor = 0;
    loop {
        let people = candidates(tx, &dry.list, &dry.audience, cursor, DRY_RUN_PAGE).await?;
        for person in &people {
            report.count(examine(tx, announcement_id, person, &dry.rules).await?);
            cursor = person.id;
        }
        if (people.len() as i64) < DRY_RUN_PAGE {
            return Ok(report);
        }
    }
}

/// One person of an audience, as the rules need them.
struct Candidate {
    id: i64,
    email_index: Vec<u8>,
    fields_sealed: Option<Vec<u8>>,
}

/// The promise's rules for one person, in the order their reasons are counted.
async fn examine(
    tx: &Tx<'_>,
    announcement_id: Option<i64>,
    person: &Candidate,
    rules: &RunRules,
) -> StoreResult<Verdict> {
    if let Some(filter) = &rules.filter
        && !filter(person.fields_sealed.as_deref())
    {
        return Ok(Verdict::NotInAudience);
    }
    if let Some(announcement_id) = announcement_id
        && already_queued(tx, announcement_id, person.id).await?
    {
        return Ok(Verdict::AlreadySent);
    }
    if undeliverable(tx, person.id).await? {
        return Ok(Verdict::Refused);
    }
    let recent = recent_mails(
        tx,
        &person.email_index,
        &rules.all_lists,
        rules.now - rules.cap_window,
        rules.now,
        rules.now,
    )
    .await?;
    if !announcement_fits(&recent, rules.cap) {
        return Ok(Verdict::OverCap);
    }
    Ok(Verdict::Queue)
}

/// People in the chosen statuses with standing consent (and in the cohort, when one is
/// chosen).
const AUDIENCE: &str = "FROM subscribers
     WHERE list = $1 AND status = ANY($2)
       AND ($3::TEXT IS NULL OR id IN (SELECT i.subscriber_id FROM invitations i
                                      JOIN cohorts c ON c.id = i.cohort_id
                                      WHERE c.list = $1 AND c.name = $3))";

async fn candidates(
    tx: &Tx<'_>,
    list: &str,
    audience: &RunAudience,
    cursor: i64,
    limit: i64,
) -> StoreResult<Vec<Candidate>> {
    let sql = format!(
        "SELECT id, email_index, fields_sealed {AUDIENCE} AND id > $4 ORDER BY id LIMIT $5"
    );
    all(
        tx,
        &sql,
        &[
            &list,
            &audience.mailable_statuses(),
            &audience.cohort,
            &cursor,
            &limit,
        ],
        "finding an announcement's audience",
    )
    .await?
    .iter()
    .map(|row| {
        Ok(Candidate {
            id: col(row, 0)?,
            email_index: col(row, 1)?,
            fields_sealed: col(row, 2)?,
        })
    })
    .collect()
}

async fn count_candidates(tx: &Tx<'_>, list: &str, audience: &RunAudience) -> StoreResult<u64> {
    let sql = format!("SELECT COUNT(*) {AUDIENCE}");
    let row = one(
        tx,
        &sql,
        &[&list, &audience.mailable_statuses(), &audience.cohort],
        "counting an announcement's audience",
    )
    .await?;
    Ok(col::<i64>(&row, 0)?.max(0) as u64)
}

async fn count_unsubscribed(tx: &Tx<'_>, list: &str) -> StoreResult<u64> {
    let row = one(
        tx,
        "SELECT COUNT(*) FROM subscribers WHERE list = $1 AND status = 'unsubscribed'",
        &[&list],
        "counting unsubscribed people",
    )
    .await?;
    Ok(col::<i64>(&row, 0)?.max(0) as u64)
}

async fn already_queued(
    tx: &Tx<'_>,
    announcement_id: i64,
    subscriber_id: i64,
) -> StoreResult<bool> {
    Ok(opt(
        tx,
        "SELECT 1 FROM announcement_mails WHERE announcement_id = $1 AND subscriber_id = $2",
        &[&announcement_id, &subscriber_id],
        "checking who got an announcement",
    )
    .await?
    .is_some())
}

/// Whether the person's address is marked undeliverable (refused for good at RCPT TO;
/// a refusal of one mail's content does not count).
async fn undeliverable(tx: &Tx<'_>, subscriber_id: i64) -> StoreResult<bool> {
    let row = one(
        tx,
        "SELECT undeliverable_at IS NOT NULL FROM subscribers WHERE id = $1",
        &[&subscriber_id],
        "reading whether an address is undeliverable",
    )
    .await?;
    col(&row, 0)
}

/// The (announcement, person) row first: its key is what makes a second run, on this
/// node or another, add nothing.
async fn queue_for(
    tx: &Tx<'_>,
    announcement_id: i64,
    subscriber_id: i64,
    manage_token: &NewToken,
    now: Millis,
    due_at: Millis,
) -> StoreResult<()> {
    let inserted = exec(
        tx,
        "INSERT INTO announcement_mails (announcement_id, subscriber_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
        &[&announcement_id, &subscriber_id],
        "noting an announcement for a person",
    )
    .await?;
    if inserted == 0 {
        return Ok(());
    }
    let token_id = insert_token(tx, subscriber_id, TokenPurpose::Manage, manage_token, now).await?;
    let outbox_id = queue_mail(
        tx,
        subscriber_id,
        MailKind::Announcement,
        Some(token_id),
        now,
    )
    .await?;
    exec(
        tx,
        "UPDATE outbox SET due_at = $2 WHERE id = $1",
        &[&outbox_id, &due_at],
        "giving an announcement mail its slot",
    )
    .await?;
    exec(
        tx,
        "UPDATE announcement_mails SET outbox_id = $3 WHERE announcement_id = $1 AND subscriber_id = $2",
        &[&announcement_id, &subscriber_id, &outbox_id],
        "linking an announcement to its mail",
    )
    .await?;
    Ok(())
}

/// What an announcement mail says, for the outbox at hand-off.
pub async fn announcement_of_mail(
    tx: &Tx<'_>,
    outbox_id: i64,
) -> StoreResult<Option<AnnouncementMail>> {
    opt(
        tx,
        "SELECT a.key, a.subject, a.markdown FROM announcement_mails m
         JOIN announcements a ON a.id = m.announcement_id WHERE m.outbox_id = $1",
        &[&outbox_id],
        "reading an announcement",
    )
    .await?
    .map(|row| {
        Ok(AnnouncementMail {
            key: col(&row, 0)?,
            subject: col(&row, 1)?,
            markdown: col(&row, 2)?,
        })
    })
    .transpose()
}
