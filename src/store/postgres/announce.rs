//! Announcements: queueing one for a list's chosen people, at most once per person (as
//! store/sqlite/announce.rs; the primary key of `announcement_mails` holds across nodes).

use super::db::{Tx, all, col, exec, one, opt};
use super::mail::recent_mails;
use super::signup::{insert_token, queue_mail};
use crate::domain::TokenPurpose;
use crate::mail::rules::announcement_fits;
use crate::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRequest, MailKind, StoreResult,
};

/// Counts and (unless a dry run) queues in one pass, so that a dry run's figures are the
/// real ones.
pub async fn announce(
    tx: &Tx<'_>,
    request: &AnnouncementRequest,
) -> StoreResult<AnnouncementReport> {
    let mut report = AnnouncementReport {
        skipped_unsubscribed: count_unsubscribed(tx, &request.list).await?,
        ..AnnouncementReport::default()
    };
    let announcement_id = if request.dry_run {
        existing_announcement(tx, &request.list, &request.announcement.key).await?
    } else {
        Some(save_announcement(tx, request).await?)
    };
    for (subscriber_id, email_index) in audience(tx, request).await? {
        report.audience += 1;
        if let Some(announcement_id) = announcement_id
            && already_queued(tx, announcement_id, subscriber_id).await?
        {
            report.already_sent += 1;
            continue;
        }
        if undeliverable(tx, subscriber_id).await? {
            report.skipped_refused += 1;
            continue;
        }
        let recent = recent_mails(
            tx,
            &email_index,
            &request.all_lists,
            request.now - request.cap_window,
            request.now,
            request.now,
        )
        .await?;
        if !announcement_fits(&recent, request.cap) {
            report.skipped_cap += 1;
            continue;
        }
        report.queued += 1;
        if let Some(announcement_id) = announcement_id.filter(|_| !request.dry_run) {
            queue_for(tx, request, announcement_id, subscriber_id).await?;
        }
    }
    Ok(report)
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

async fn existing_announcement(tx: &Tx<'_>, list: &str, key: &str) -> StoreResult<Option<i64>> {
    opt(
        tx,
        "SELECT id FROM announcements WHERE list = $1 AND key = $2",
        &[&list, &key],
        "finding an announcement",
    )
    .await?
    .map(|row| col(&row, 0))
    .transpose()
}

/// The announcement's row; sent again with the same key, its latest text is kept.
async fn save_announcement(tx: &Tx<'_>, request: &AnnouncementRequest) -> StoreResult<i64> {
    let AnnouncementMail {
        key,
        subject,
        markdown,
    } = &request.announcement;
    let row = one(
        tx,
        "INSERT INTO announcements (list, key, subject, markdown, created_at, sent_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (list, key) DO UPDATE SET subject = excluded.subject,
                                               markdown = excluded.markdown
         RETURNING id",
        &[
            &request.list,
            key,
            subject,
            markdown,
            &request.now,
            &request.sent_by,
        ],
        "saving an announcement",
    )
    .await?;
    col(&row, 0)
}

/// The people in the chosen statuses, oldest first; only statuses with standing consent.
async fn audience(tx: &Tx<'_>, request: &AnnouncementRequest) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let mut people = Vec::new();
    for status in request.statuses.iter().filter(|s| s.has_standing_consent()) {
        let rows = all(
            tx,
            "SELECT id, email_index FROM subscribers WHERE list = $1 AND status = $2 ORDER BY id",
            &[&request.list, &status.as_str()],
            "finding an announcement's audience",
        )
        .await?;
        for row in rows {
            people.push((col(&row, 0)?, col(&row, 1)?));
        }
    }
    Ok(people)
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
    request: &AnnouncementRequest,
    announcement_id: i64,
    subscriber_id: i64,
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
    let token_id = insert_token(
        tx,
        subscriber_id,
        TokenPurpose::Manage,
        &request.manage_token,
        request.now,
    )
    .await?;
    let outbox_id = queue_mail(
        tx,
        subscriber_id,
        MailKind::Announcement,
        Some(token_id),
        request.now,
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
