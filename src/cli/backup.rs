//! `quietlist backup FILE` and `quietlist restore FILE`.

use std::path::Path;

use crate::admin::backup::{BackupReport, RestoreReport, backup, mac_path, restore};
use crate::config::Config;
use crate::startup::Core;

/// `quietlist backup FILE`: a checked copy of the live database, and where the key is not.
pub fn run_backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let report = backup(
        &config.database,
        &config.data_dir,
        config.secret_key.as_ref(),
        file,
    )?;
    print!("{}", describe_backup(&report));
    Ok(())
}

fn describe_backup(report: &BackupReport) -> String {
    format!(
        "wrote {file} ({bytes} bytes, {people} people) from {source}; integrity_check: {check}\n\
         and its MAC {mac}: keep the two together; restore refuses a backup without its MAC.\n\n\
         The secret key is NOT in this backup: it holds ciphertext only, and without the key \
         the addresses in it cannot be read. The key in use is {key}.\nBack that key up \
         separately (never beside this file); restoring needs the key, this file and its MAC: \
         quietlist restore {file}\n",
        file = report.file.display(),
        mac = mac_path(&report.file).display(),
        bytes = super::progress::thousands(report.facts.bytes),
        people = super::progress::thousands(report.facts.people),
        source = report.source,
        check = report.facts.integrity,
        key = report.key,
    )
}

/// `quietlist restore FILE` into an empty data directory, then opened as `serve` would
/// open it (migrations, the key check), so that a restore that ends well starts well.
pub async fn run_restore(config: &Config, file: &Path, trust_unsigned: bool) -> anyhow::Result<()> {
    let report = restore(
        &config.database,
        &config.data_dir,
        config.secret_key.as_ref(),
        file,
        trust_unsigned,
    )?;
    Core::open(config).await?;
    print!("{}", describe_restore(&report));
    Ok(())
}

fn describe_restore(report: &RestoreReport) -> String {
    format!(
        "restored {people} people into {database} (integrity_check: {check}; MAC: {mac}; the \
         key {key} opens it)\n",
        mac = if report.mac_checked {
            "matches"
        } else {
            "none, taken on trust (--trust-unsigned)"
        },
        people = super::progress::thousands(report.facts.people),
        database = report.database.display(),
        check = report.facts.integrity,
        key = report.key,
    )
}
