//! Announcements: queueing one for a list's chosen people, at most once per person.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::mail::recent_mails;
use super::signup::{insert_token, queue_mail};
use crate::domain::TokenPurpose;
use crate::mail::rules::announcement_fits;
use crate::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRequest, MailKind, StoreResult,
};

/// Counts and (unless a dry run) queues in one pass, so that a dry run's figures are the
/// real ones.
pub fn announce(
    conn: &Connection,
    request: &AnnouncementRequest,
) -> StoreResult<AnnouncementReport> {
    let mut report = AnnouncementReport {
        skipped_unsubscribed: count_unsubscribed(conn, &request.list)?,
        ..AnnouncementReport::default()
    };
    let announcement_id = if request.dry_run {
        existing_announcement(conn, &request.list, &request.announcement.key)?
    } else {
        Some(save_announcement(conn, request)?)
    };
    for (subscriber_id, email_index) in audience(conn, request)? {
        report.audience += 1;
        if let Some(announcement_id) = announcement_id
            && already_queued(conn, announcement_id, subscriber_id)?
        {
            report.already_sent += 1;
            continue;
        }
        if undeliverable(conn, subscriber_id)? {
            report.skipped_refused += 1;
            continue;
        }
        let recent = recent_mails(
            conn,
            &email_index,
            &request.all_lists,
            request.now - request.cap_window,
            request.now,
            request.now,
        )?;
        if !announcement_fits(&recent, request.cap) {
            report.skipped_cap += 1;
            continue;
        }
        report.queued += 1;
        if let Some(announcement_id) = announcement_id.filter(|_| !request.dry_run) {
            queue_for(conn, request, announcement_id, subscriber_id)?;
        }
    }
    Ok(report)
}

fn count_unsubscribed(conn: &Connection, list: &str) -> StoreResult<u64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM subscribers WHERE list = ?1 AND status = 'unsubscribed'",
    )
    .and_then(|mut st| st.query_row([list], |r| r.get::<_, i64>(0)))
    .sql("counting unsubscribed people")
    .map(|n| n.max(0) as u64)
}

fn existing_announcement(conn: &Connection, list: &str, key: &str) -> StoreResult<Option<i64>> {
    conn.prepare_cached("SELECT id FROM announcements WHERE list = ?1 AND key = ?2")
        .and_then(|mut st| st.query_row(params![list, key], |r| r.get(0)).optional())
        .sql("finding an announcement")
}

/// The announcement's row; sent again with the same key, its latest text is kept (an
/// owner who fixes a typo and sends again reaches only the people not yet mailed).
fn save_announcement(conn: &Connection, request: &AnnouncementRequest) -> StoreResult<i64> {
    let AnnouncementMail {
        key,
        subject,
        markdown,
    } = &request.announcement;
    conn.prepare_cached(
        "INSERT INTO announcements (list, key, subject, markdown, created_at, sent_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (list, key) DO UPDATE SET subject = excluded.subject,
                                               markdown = excluded.markdown
         RETURNING id",
    )
    .and_then(|mut st| {
        st.query_row(
            params![
                request.list,
                key,
                subject,
                markdown,
                request.now,
                request.sent_by
            ],
            |r| r.get(0),
        )
    })
    .sql("saving an announcement")
}

/// The people in the chosen statuses, oldest first. Only statuses with standing consent
/// count, whatever the caller asked for.
fn audience(conn: &Connection, request: &AnnouncementRequest) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let mut people = Vec::new();
    for status in request.statuses.iter().filter(|s| s.has_standing_consent()) {
        let rows: Vec<(i64, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT id, email_index FROM subscribers WHERE list = ?1 AND status = ?2 ORDER BY id",
            )
            .and_then(|mut st| {
                st.query_map(params![request.list, status.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect()
            })
            .sql("finding an announcement's audience")?;
        people.extend(rows);
    }
    Ok(people)
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
    request: &AnnouncementRequest,
    announcement_id: i64,
    subscriber_id: i64,
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
    let token_id = insert_token(
        conn,
        subscriber_id,
        TokenPurpose::Manage,
        &request.manage_token,
        request.now,
    )?;
    let outbox_id = queue_mail(
        conn,
        subscriber_id,
        MailKind::Announcement,
        Some(token_id),
        request.now,
    )?;
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
