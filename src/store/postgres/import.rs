//! Importing people: pending with a confirmation mail, or confirmed with the consent
//! proof the file carries. Erased addresses are never silently re-added: each row's
//! address is locked (all at once, in one order) before the suppression list is read.

use super::db::{Tx, col, exec, one, opt};
use super::locks::{LockClass, key_of, lock, lock_line};
use super::owner::add_one;
use super::signup::{next_line_seq, queue_mail};
use crate::store::{ImportBatch, ImportReport, MailKind, StoreResult, day_of};
use crate::waitlist::rules::line_key;

pub async fn import_batch(tx: &Tx<'_>, b: &ImportBatch) -> StoreResult<ImportReport> {
    let mut report = ImportReport::default();
    lock_line(tx, &b.list).await?;
    let mut keys: Vec<i32> = b.rows.iter().map(|r| key_of(&r.email_index)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        lock(tx, LockClass::Address, key).await?;
    }
    store_consent_text(tx, &b.list_consent.0, &b.list_consent.1, b.now).await?;
    for row in &b.rows {
        let email_index = &row.email_index[..];
        let suppressed = opt(
            tx,
            "SELECT 1 FROM suppressions WHERE email_index = $1",
            &[&email_index],
            "checking the suppression list",
        )
        .await?;
        if suppressed.is_some() {
            report.suppressed += 1;
            continue;
        }
        let exists = opt(
            tx,
            "SELECT id FROM subscribers WHERE list = $1 AND email_index = $2",
            &[&b.list, &email_index],
            "looking for a person",
        )
        .await?;
        if exists.is_some() {
            report.already_there += 1;
            continue;
        }
        match &row.consent {
            Some(consent) => {
                store_consent_text(tx, &consent.text_hash, &consent.text, b.now).await?;
                let seq = next_line_seq(tx, &b.list).await?;
                let id: i64 = col(
                    &one(
                        tx,
                        "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed,
                             fields_sealed, status, signed_up_at, last_signup_at, confirmed_at,
                             line_seq, line_key)
                         VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $6, $7, $8, $9) RETURNING id",
                        &[
                            &b.list,
                            &email_index,
                            &row.email_sealed,
                            &row.name_sealed,
                            &row.fields_sealed,
                            &consent.submitted_at,
                            &b.now,
                            &seq,
                            &line_key(seq),
                        ],
                        "importing a person",
                    )
                    .await?,
                    0,
                )?;
                exec(
                    tx,
                    "INSERT INTO consent_records
                         (subscriber_id, list, form, text_hash, client_ip, submitted_at, confirmed_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &id,
                        &b.list,
                        &consent.form,
                        &consent.text_hash,
                        &consent.client_ip,
                        &consent.submitted_at,
                        &b.now,
                    ],
                    "recording imported consent",
                )
                .await?;
                report.added += 1;
                report.confirmed += 1;
            }
            None => {
                let id: i64 = col(
                    &one(
                        tx,
                        "INSERT INTO subscribers (list, email_index, email_sealed, name_sealed,
                             fields_sealed, status, signed_up_at, last_signup_at, pending_form,
                             pending_text_hash, pending_submitted_at, confirm_seed,
                             confirm_expires_at, last_confirmation_at)
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, 'import', $9, $6, $7, $8, $6)
                         RETURNING id",
                        &[
                            &b.list,
                            &email_index,
                            &row.email_sealed,
                            &row.name_sealed,
                            &row.fields_sealed,
                            &b.now,
                            &&row.confirm_seed[..],
                            &(b.now + b.confirm_link_ttl),
                            &b.list_consent.0,
                        ],
                        "importing a person",
                    )
                    .await?,
                    0,
                )?;
                queue_mail(tx, id, MailKind::Confirmation, None, b.now).await?;
                report.added += 1;
                report.confirmations_queued += 1;
            }
        }
    }
    add_one(tx, &day_of(b.now), &b.list, "imported", report.added as i64).await?;
    Ok(report)
}

async fn store_consent_text(tx: &Tx<'_>, hash: &str, text: &str, now: i64) -> StoreResult<()> {
    exec(
        tx,
        "INSERT INTO consent_texts (hash, text, first_seen) VALUES ($1, $2, $3)
         ON CONFLICT (hash) DO NOTHING",
        &[&hash, &text, &now],
        "storing a consent text",
    )
    .await?;
    Ok(())
}
