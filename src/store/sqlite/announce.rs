//! Announcements: recording a run, queueing it a batch at a time (each person at most
//! once, ever), and the dry run that applies the same rules and writes nothing.

use rusqlite::{Connection, OptionalExtension, params};

use super::announce_runs::{
    RUN_COLUMNS, publish_if_started, run_by_id, run_by_key, run_from_row, save_run_figures,
};
use super::errors::SqlContext;
use super::mail::recent_mails;
use super::signup::{insert_token, queue_mail};
use crate::domain::TokenPurpose;
use crate::mail::rules::announcement_fits;
use crate::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRun, BatchOutcome, DryRun, MailKind, Millis,
    NewRun, NewToken, RunAudience, RunBatch, RunRules, RunStart, RunState, StoreResult, Verdict,
    slots_before_horizon,
};

/// The people a dry run reads at a time.
const DRY_RUN_PAGE: u32 = 1_000;

/// Records the announcement and its run; see `Store::start_announcement`.
pub fn start_announcement(conn: &Connection, new: &NewRun) -> StoreResult<RunStart> {
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
            count_candidates(conn, &new.list, &new.audience)?,
            count_unsubscribed(conn, &new.list)?,
        )
    } else {
        (RunState::Scheduled, None, 0, 0)
    };
    let (field, value) = new.audience.field_equals.clone().unzip();
    let id: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO announcements (list, key, subject, markdown, created_at, sent_by, state,
                 send_at, statuses, cohort, where_field, where_value, cursor_id, total, examined,
                 audience, queued, already_sent, skipped_cap, skipped_refused,
                 skipped_unsubscribed, next_slot, started_at, finished_at, publish)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, 0, 0, 0, 0, 0, 0,
                     ?14, ?8, ?15, NULL, ?16)
             ON CONFLICT (list, key) DO UPDATE SET subject = excluded.subject,
                 markdown = excluded.markdown, sent_by = excluded.sent_by, state = excluded.state,
                 send_at = excluded.send_at, statuses = excluded.statuses,
                 cohort = excluded.cohort, where_field = excluded.where_field,
                 where_value = excluded.where_value, cursor_id = 0, total = excluded.total,
                 examined = 0, audience = 0, queued = 0, already_sent = 0, skipped_cap = 0,
                 skipped_refused = 0, skipped_unsubscribed = excluded.skipped_unsubscribed,
                 next_slot = excluded.next_slot, started_at = excluded.started_at,
                 finished_at = NULL, publish = MAX(announcements.publish, excluded.publish),
                 unpublished_at = CASE WHEN excluded.publish = 1 THEN NULL
                                       ELSE announcements.unpublished_at END
             WHERE announcements.state = 'done'
             RETURNING id",
        )
        .and_then(|mut st| {
            st.query_row(
                params![
                    new.list,
                    key,
                    subject,
                    markdown,
                    new.now,
                    new.sent_by,
                    state.as_str(),
                    new.send_at,
                    new.audience.statuses_text(),
                    new.audience.cohort,
                    field,
                    value,
                    total as i64,
                    unsubscribed as i64,
                    started_at,
                    i64::from(new.publish),
                ],
                |r| r.get(0),
            )
            .optional()
        })
        .sql("saving an announcement")?;
    let Some(id) = id else {
        // Scheduled, sending, paused or cancelled: the run goes on as it was. Its latest
        // text is kept (an owner who fixes a typo reaches the people not yet mailed with
        // the fixed text).
        // Asked to publish, it goes up too (at once if its run has started).
        conn.prepare_cached(
            "UPDATE announcements SET subject = ?3, markdown = ?4,
                 publish = MAX(publish, ?5),
                 unpublished_at = CASE WHEN ?5 = 1 THEN NULL ELSE unpublished_at END
             WHERE list = ?1 AND key = ?2",
        )
        .and_then(|mut st| {
            st.execute(params![
                new.list,
                key,
                subject,
                markdown,
                i64::from(new.publish)
            ])
        })
        .sql("updating an announcement's text")?;
        let run = run_by_key(conn, &new.list, key)?.ok_or_else(vanished)?;
        publish_if_started(conn, run.id, new.now)?;
        let run = run_by_id(conn, run.id)?.ok_or_else(vanished)?;
        return Ok(RunStart {
            run,
            started: false,
        });
    };
    publish_if_started(conn, id, new.now)?;
    let run = run_by_id(conn, id)?.ok_or_else(vanished)?;
    Ok(RunStart { run, started: true })
}

fn vanished() -> crate::store::StoreError {
    crate::store::StoreError::Internal(anyhow::anyhow!("an announcement vanished"))
}

/// Runs due now, or whose next slot is near.
pub fn due_announcements(
    conn: &Connection,
    now: Millis,
    horizon: Millis,
) -> StoreResult<Vec<AnnouncementRun>> {
    conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM announcements
         WHERE (state = 'scheduled' AND send_at <= ?1) OR (state = 'sending' AND next_slot < ?2)
         ORDER BY id"
    ))
    .and_then(|mut st| {
        st.query_map(params![now, now + horizon], run_from_row)?
            .collect()
    })
    .sql("finding due announcements")
}

/// One batch of a run; see `Store::queue_announcement_batch`.
pub fn queue_batch(conn: &Connection, batch: &RunBatch) -> StoreResult<BatchOutcome> {
    let now = batch.rules.now;
    let Some(mut run) = run_by_id(conn, batch.run_id)? else {
        return Ok(BatchOutcome::idle(RunState::Done));
    };
    if run.is_due_to_start(now) {
        let total = count_candidates(conn, &run.list, &run.audience)?;
        let unsubscribed = count_unsubscribed(conn, &run.list)?;
        run.start_sending(now, total, unsubscribed);
        // Published when its run starts: saved now, whatever this batch does next.
        save_run_figures(conn, &run)?;
        publish_if_started(conn, run.id, now)?;
    }
    if run.state != RunState::Sending {
        return Ok(BatchOutcome::idle(run.state));
    }
    run.next_slot = run.next_slot.max(now);
    let budget = slots_before_horizon(run.next_slot, now, batch.horizon, batch.interval);
    if budget == 0 {
        save_run_figures(conn, &run)?;
        return Ok(BatchOutcome::idle(run.state));
    }
    let people = candidates(conn, &run.list, &run.audience, run.cursor, batch.size)?;
    let mut outcome = BatchOutcome::idle(RunState::Sending);
    for person in &people {
        let verdict = examine(conn, Some(run.id), person, &batch.rules)?;
        outcome.examined += 1;
        if verdict == Verdict::Queue {
            queue_for(
                conn,
                run.id,
                person.id,
                &batch.manage_token,
                now,
                run.next_slot,
            )?;
            outcome.queued += 1;
        }
        run.examined_one(person.id, verdict, batch.interval);
        if outcome.queued >= budget {
            break;
        }
    }
    run.finish_if_exhausted(outcome.examined, people.len(), batch.size, now);
    outcome.state = run.state;
    save_run_figures(conn, &run)?;
    Ok(outcome)
}

/// The same pass as the runs, reading only. Someone the announcement was queued for
/// (by an earlier run of it) counts as already sent.
pub fn dry_run(conn: &Connection, dry: &DryRun) -> StoreResult<AnnouncementReport> {
    let announcement_id = run_by_key(conn, &dry.list, &dry.key)?.map(|run| run.id);
    let mut report = AnnouncementReport {
        skipped_unsubscribed: count_unsubscribed(conn, &dry.list)?,
        ..AnnouncementReport::default()
    };
    let mut cursor = 0;
    loop {
        let people = candidates(conn, &dry.list, &dry.audience, cursor, DRY_RUN_PAGE)?;
        for person in &people {
            report.count(examine(conn, announcement_id, person, &dry.rules)?);
            cursor = person.id;
        }
        if people.len() < DRY_RUN_PAGE as usize {
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
fn examine(
    conn: &Connection,
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
        && already_queued(conn, announcement_id, person.id)?
    {
        return Ok(Verdict::AlreadySent);
    }
    if undeliverable(conn, person.id)? {
        return Ok(Verdict::Refused);
    }
    let recent = recent_mails(
        conn,
        &person.email_index,
        &rules.all_lists,
        rules.now - rules.cap_window,
        rules.now,
        rules.now,
    )?;
    if !announcement_fits(&recent, rules.cap) {
        return Ok(Verdict::OverCap);
    }
    Ok(Verdict::Queue)
}

/// People in the chosen statuses with standing consent (and in the cohort, when one is
/// chosen), by id after `cursor`.
const AUDIENCE: &str = "FROM subscribers
     WHERE list = ?1 AND status IN (SELECT value FROM json_each(?2))
       AND (?3 IS NULL OR id IN (SELECT i.subscriber_id FROM invitations i
                                 JOIN cohorts c ON c.id = i.cohort_id
                                 WHERE c.list = ?1 AND c.name = ?3))";

fn statuses_json(audience: &RunAudience) -> String {
    serde_json::Value::from(audience.mailable_statuses()).to_string()
}

fn candidates(
    conn: &Connection,
    list: &str,
    audience: &RunAudience,
    cursor: i64,
    limit: u32,
) -> StoreResult<Vec<Candidate>> {
    conn.prepare_cached(&format!(
        "SELECT id, email_index, fields_sealed {AUDIENCE} AND id > ?4 ORDER BY id LIMIT ?5"
    ))
    .and_then(|mut st| {
        st.query_map(
            params![
                list,
                statuses_json(audience),
                audience.cohort,
                cursor,
                limit
            ],
            |r| {
                Ok(Candidate {
                    id: r.get(0)?,
                    email_index: r.get(1)?,
                    fields_sealed: r.get(2)?,
                })
            },
        )?
        .collect()
    })
    .sql("finding an announcement's audience")
}

fn count_candidates(conn: &Connection, list: &str, audience: &RunAudience) -> StoreResult<u64> {
    conn.prepare_cached(&format!("SELECT COUNT(*) {AUDIENCE}"))
        .and_then(|mut st| {
            st.query_row(
                params![list, statuses_json(audience), audience.cohort],
                |r| r.get::<_, i64>(0),
            )
        })
        .sql("counting an announcement's audience")
        .map(|n| n.max(0) as u64)
}

fn count_unsubscribed(conn: &Connection, list: &str) -> StoreResult<u64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM subscribers WHERE list = ?1 AND status = 'unsubscribed'",
    )
    .and_then(|mut st| st.query_row([list], |r| r.get::<_, i64>(0)))
    .sql("counting unsubscribed people")
    .map(|n| n.max(0) as u64)
}

fn already_queued(
    conn: &Connection,
    announcement_id: i64,
    subscriber_id: i64,
) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM announcement_mails WHERE announcement_id = ?1 AND subscriber_id = ?2",
    )
    .and_then(|mut st| {
        st.query_row(params![announcement_id, subscriber_id], |_| Ok(()))
            .optional()
    })
    .sql("checking who got an announcement")
    .map(|row| row.is_some())
}

/// Whether the person's address is marked undeliverable (refused for good at RCPT TO;
/// a refusal of one mail's content does not count).
fn undeliverable(conn: &Connection, subscriber_id: i64) -> StoreResult<bool> {
    conn.prepare_cached("SELECT undeliverable_at IS NOT NULL FROM subscribers WHERE id = ?1")
        .and_then(|mut st| st.query_row([subscriber_id], |r| r.get(0)))
        .sql("reading whether an address is undeliverable")
}

/// The (announcement, person) row first: its key is what makes a second run add nothing.
fn queue_for(
    conn: &Connection,
    announcement_id: i64,
    subscriber_id: i64,
    manage_token: &NewToken,
    now: Millis,
    due_at: Millis,
) -> StoreResult<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO announcement_mails (announcement_id, subscriber_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )
        .and_then(|mut st| st.execute(params![announcement_id, subscriber_id]))
        .sql("noting an announcement for a person")?;
    if inserted == 0 {
        return Ok(());
    }
    let token_id = insert_token(conn, subscriber_id, TokenPurpose::Manage, manage_token, now)?;
    let outbox_id = queue_mail(
        conn,
        subscriber_id,
        MailKind::Announcement,
        Some(token_id),
        now,
    )?;
    conn.prepare_cached("UPDATE outbox SET due_at = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![outbox_id, due_at]))
        .sql("giving an announcement mail its slot")?;
    conn.prepare_cached(
        "UPDATE announcement_mails SET outbox_id = ?3 WHERE announcement_id = ?1 AND subscriber_id = ?2",
    )
    .and_then(|mut st| st.execute(params![announcement_id, subscriber_id, outbox_id]))
    .sql("linking an announcement to its mail")?;
    Ok(())
}

/// What an announcement mail says, for the outbox at hand-off.
pub fn announcement_of_mail(
    conn: &Connection,
    outbox_id: i64,
) -> StoreResult<Option<AnnouncementMail>> {
    conn.prepare_cached(
        "SELECT a.key, a.subject, a.markdown FROM announcement_mails m
         JOIN announcements a ON a.id = m.announcement_id WHERE m.outbox_id = ?1",
    )
    .and_then(|mut st| {
        st.query_row([outbox_id], |r| {
            Ok(AnnouncementMail {
                key: r.get(0)?,
                subject: r.get(1)?,
                markdown: r.get(2)?,
            })
        })
        .optional()
    })
    .sql("reading an announcement")
}
