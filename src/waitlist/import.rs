//! Importing people from CSV: validated row by row, duplicates merged, rejected rows
//! reported with their line numbers. Imported people are pending and get a confirmation
//! mail, unless the file carries proof of consent and the owner says so explicitly.

use std::collections::HashSet;
use std::io::Read;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Waitlists;
use super::export::restore;
use crate::domain::{EmailAddress, FieldValues, PersonName};
use crate::i18n::Text;
use crate::privacy::audit::{self, Actor, AuditEvent, ImportFigures};
use crate::store::{
    ConsentContext, ImportBatch, ImportReport, ImportRow, Millis, StoreError, now_millis,
};

/// Rows sent to the store in one transaction.
const BATCH: usize = 500;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The file carries consent proof (`consent_at`, `consent_source`, and optionally
    /// `consent_text`, `consent_ip`) and the owner vouches for it: import as confirmed,
    /// with a consent record, and send no confirmation mail.
    pub with_consent: bool,
    /// For the audit log: the file's name.
    pub source: String,
    /// Who did it, for the audit log.
    pub actor: Actor,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct ImportSummary {
    pub rows_read: u64,
    pub report: ImportReport,
    pub duplicates_in_file: u64,
    /// (line number, reason), at most `MAX_REPORTED_REJECTIONS` of them.
    pub rejected: Vec<(u64, String)>,
    pub rejected_total: u64,
}

pub const MAX_REPORTED_REJECTIONS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("there is no waitlist by that name")]
    UnknownList,
    /// The file as a whole cannot be imported (a catalogue message: English at the
    /// command line, the site's language on the owner's page).
    #[error("{}", .0.render(crate::i18n::Language::English))]
    BadFile(crate::i18n::Text),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

struct Columns {
    email: usize,
    name: Option<usize>,
    consent_at: Option<usize>,
    consent_source: Option<usize>,
    consent_text: Option<usize>,
    consent_ip: Option<usize>,
    headers: Vec<String>,
}

impl Waitlists {
    pub async fn import_csv(
        &self,
        list: &str,
        input: impl Read,
        options: &ImportOptions,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportSummary, ImportError> {
        let published = self.site.load();
        let waitlist = published
            .site
            .waitlist(list)
            .ok_or(ImportError::UnknownList)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                ImportError::BadFile(Text::with(
                    "admin-import-bad-header",
                    vec![("reason", e.to_string().into())],
                ))
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let find = |name: &str| headers.iter().position(|h| h == name);
        let columns = Columns {
            email: find("email")
                .ok_or_else(|| ImportError::BadFile(Text::key("admin-import-no-email-column")))?,
            name: find("name"),
            consent_at: find("consent_at"),
            consent_source: find("consent_source"),
            consent_text: find("consent_text"),
            consent_ip: find("consent_ip"),
            headers: headers.clone(),
        };
        if options.with_consent
            && (columns.consent_at.is_none() || columns.consent_source.is_none())
        {
            return Err(ImportError::BadFile(Text::key(
                "admin-import-no-consent-columns",
            )));
        }

        let now = now_millis();
        let mut summary = ImportSummary::default();
        let mut seen = HashSet::new();
        let mut batch = Vec::with_capacity(BATCH);
        for (i, record) in reader.records().enumerate() {
            // Line 1 is the header.
            let line = i as u64 + 2;
            summary.rows_read += 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    reject(&mut summary, line, format!("the row cannot be read: {e}"));
                    continue;
                }
            };
            match self.import_row(&columns, &record, waitlist, options, line, now) {
                Ok(row) => {
                    if !seen.insert(row.email_index) {
                        summary.duplicates_in_file += 1;
                        continue;
                    }
                    batch.push(row);
                }
                Err(reason) => reject(&mut summary, line, reason),
            }
            if batch.len() >= BATCH {
                summary
                    .report
                    .add(self.flush(list, &mut batch, waitlist, now).await?);
                progress(summary.rows_read);
            }
        }
        summary
            .report
            .add(self.flush(list, &mut batch, waitlist, now).await?);
        progress(summary.rows_read);
        if summary.report.confirmations_queued > 0 {
            self.mail_wake.notify_one();
        }
        let figures = ImportFigures {
            source: options.source.clone(),
            rows_read: summary.rows_read,
            added: summary.report.added,
            confirmed: summary.report.confirmed,
            already_there: summary.report.already_there,
            suppressed: summary.report.suppressed,
            rejected: summary.rejected_total,
            duplicates: summary.duplicates_in_file,
        };
        audit::record(
            self.store.as_ref(),
            &options.actor,
            AuditEvent::Imported {
                list: list.to_owned(),
                figures,
            },
        )
        .await?;
        Ok(summary)
    }

    async fn flush(
        &self,
        list: &str,
        batch: &mut Vec<ImportRow>,
        waitlist: &crate::publish::Waitlist,
        now: Millis,
    ) -> Result<ImportReport, ImportError> {
        if batch.is_empty() {
            return Ok(ImportReport::default());
        }
        Ok(self
            .store
            .import_batch(ImportBatch {
                list: list.to_owned(),
                rows: std::mem::take(batch),
                now,
                confirm_link_ttl: self.policy.confirm_link_ttl,
                list_consent: (waitlist.consent_hash.clone(), waitlist.consent_text.clone()),
            })
            .await?)
    }

    fn import_row(
        &self,
        columns: &Columns,
        record: &csv::StringRecord,
        waitlist: &crate::publish::Waitlist,
        options: &ImportOptions,
        line: u64,
        now: Millis,
    ) -> Result<ImportRow, String> {
        // Cells come back as the export wrote them: undo its guard against formulas.
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).map_or("", restore);
        let email =
            EmailAddress::parse(cell(Some(columns.email))).map_err(|e| format!("email: {e}"))?;
        let name = PersonName::parse(cell(columns.name)).map_err(|e| format!("name: {e}"))?;
        let fields = FieldValues::parse(&waitlist.settings.fields, |k| {
            columns
                .headers
                .iter()
                .position(|h| h == k)
                .and_then(|i| record.get(i))
                .map(restore)
        })
        .map_err(|e| format!("{}: {}", e.field, e.message))?;
        let consent = if options.with_consent {
            let at = OffsetDateTime::parse(cell(columns.consent_at), &Rfc3339).map_err(|_| {
                "consent_at: not an RFC 3339 time such as 2026-01-31T12:00:00Z".to_owned()
            })?;
            let at = (at.unix_timestamp_nanos() / 1_000_000) as Millis;
            if at > now {
                return Err("consent_at: in the future".into());
            }
            let source = cell(columns.consent_source);
            if source.is_empty() {
                return Err("consent_source: empty".into());
            }
            let text = match cell(columns.consent_text) {
                "" => format!(
                    "(imported from {}; the file gave no consent text)",
                    options.source
                ),
                t => t.to_owned(),
            };
            Some(ConsentContext {
                form: format!("import:{}", source.chars().take(100).collect::<String>()),
                text_hash: hex::encode(Sha256::digest(text.as_bytes())),
                text,
                client_ip: Some(cell(columns.consent_ip).to_owned()).filter(|s| !s.is_empty()),
                submitted_at: at,
            })
        } else {
            None
        };
        let sealed = self
            .vault
            .seal_person(&email, name.as_ref(), &fields)
            .map_err(|e| e.to_string())?;
        Ok(ImportRow {
            line,
            email_index: sealed.email_index,
            email_sealed: sealed.email,
            name_sealed: sealed.name,
            fields_sealed: sealed.fields,
            consent,
            confirm_seed: rand::random(),
        })
    }
}

fn reject(summary: &mut ImportSummary, line: u64, reason: String) {
    summary.rejected_total += 1;
    if summary.rejected.len() < MAX_REPORTED_REJECTIONS {
        summary.rejected.push((line, reason));
    }
}
