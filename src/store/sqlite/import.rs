//! Importing people from a file: pending with a confirmation mail, or confirmed with the
//! consent proof the file carries. Erased addresses are never silently re-added.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::SqlContext;
use super::owner::{add_one, day_of};
use super::signup::queue_mail;
use crate::store::{ImportBatch, ImportReport, MailKind, StoreResult};
use crate::waitlist::rules::line_key;

pub fn import_batch(conn: &Connection, b: &ImportBatch) -> StoreResult<ImportReport> {
    let mut report = ImportReport::default();
    conn.prepare_cached(
        "INSERT INTO consent_texts (hash, text, first_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO NOTHING",
    )
    .and_then(|mut st| st.execute(params![b.list_consent.0, b.list_consent.1, b.now]))
    .sql("storing a consent text")?;
    for row in &b.rows {
        let suppressed: Option<i64> = conn
            .prepare_cached("SELECT 1 FROM suppressions WHERE email_index = ?1")
            .and_then(|mut st| st.query_row([&row.email_index], |r| r.get(0)).optional())
            .sql("checking the suppression list")?;
        if suppressed.is_some() {
            report.suppressed += 1;
            continue;
        }
        let exists: Option<i64> = conn
            .prepare_cached("SELECT id FROM subscribers WHERE list = ?1 AND email_index = ?2")
            .and_then(|mut st| {
                st.query_row(params![b.list, row.email_index], |r| r.get(0))
                    .optional()
            })
            .sql("looking for a person")?;
        if exists.is_some() {
            report.already_there += 1;
            continue;
        }
        match &row.consent {
            Some(consent) => {
                conn.prepare_cached(
                    "INSERT INTO consent_texts (hash, text, first_seen) VALUES (?1, ?2, ?3)
                     ON CONFLICT (hash) DO NOTHING",
                )
                .and_then(|mut st| st.execute(params![consent.text_hash, consent.text, b.now]))
                .sql("storing a consent text")?;
                let seq: i64 = conn
                    .prepare_cached(
                        "SELECT COALESCE(MAX(line_seq), 0) + 1 FROM subscribers WHERE list = ?1 AND line_seq IS NOT NULL",
                    )
                    .and_then(|mut st| st.query_row([&b.list], |r| r.get(0)))
                    .sql("numbering the line")?;
                let id: i64 = conn
                    .prepare_cached(
                        "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed, fields_sealed,
                             status, signed_up_at, last_signup_at, confirmed_at, line_seq, line_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'confirmed', ?6, ?6, ?7, ?8, ?9) RETURNING id",
                    )
                    .and_then(|mut st| {
                        st.query_row(
                            params![
                                b.list,
                                row.email_index,
                                row.email_sealed,
                                row.name_sealed,
                                row.fields_sealed,
                                consent.submitted_at,
                                b.now,
                                seq,
                                line_key(seq)
                            ],
                            |r| r.get(0),
                        )
                    })
                    .sql("importing a person")?;
                conn.prepare_cached(
                    "INSERT INTO consent_records
                         (subscriber_id, list, form, text_hash, client_ip, submitted_at, confirmed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        id,
                        b.list,
                        consent.form,
                        consent.text_hash,
                        consent.client_ip,
                        consent.submitted_at,
                        b.now
                    ])
                })
                .sql("recording imported consent")?;
                report.added += 1;
                report.confirmed += 1;
            }
            None => {
                let id: i64 = conn
                    .prepare_cached(
                        "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed, fields_sealed,
                             status, signed_up_at, last_signup_at, pending_form, pending_text_hash,
                             pending_submitted_at, confirm_seed, confirm_expires_at, last_confirmation_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, 'import', ?9, ?6, ?7, ?8, ?6)
                         RETURNING id",
                    )
                    .and_then(|mut st| {
                        st.query_row(
                            params![
                                b.list,
                                row.email_index,
                                row.email_sealed,
                                row.name_sealed,
                                row.fields_sealed,
                                b.now,
                                row.confirm_seed,
                                b.now + b.confirm_link_ttl,
                                b.list_consent.0
                            ],
                            |r| r.get(0),
                        )
                    })
                    .sql("importing a person")?;
                queue_mail(conn, id, MailKind::Confirmation, None, b.now)?;
                report.added += 1;
                report.confirmations_queued += 1;
            }
        }
    }
    add_one(
        conn,
        &day_of(b.now),
        &b.list,
        "imported",
        report.added as i64,
    )?;
    Ok(report)
}
