//! `quietlist backup FILE` and `quietlist restore FILE`: a checked copy of a live SQLite
//! database, and its way back into an empty data directory under the key it was made
//! with. The backup holds ciphertext only; the key is kept (and must be backed up) apart.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::privacy::Vault;
use crate::privacy::keys::{KEY_FILE, load_or_create};
use crate::privacy::vault::MasterKey;
use crate::store::sqlite::backup::{BackupFacts, inspect, install_backup, write_backup};
use crate::store::{DatabaseSettings, DatabaseUrl};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "quietlist backup copies SQLite databases; this node uses {0}. Back PostgreSQL up with \
         its own tool, for example:\n  pg_dump --format=custom --file=quietlist.dump \"$QUIETLIST_DATABASE_URL\"\n\
         and restore with pg_restore --dbname=URL quietlist.dump into an empty database. Either \
         way the secret key is not in the dump: back it up apart."
    )]
    Postgres(String),
    #[error(
        "{data_dir} is not empty (it holds {found}): restore only into a new, empty data \
         directory (it may hold the secret.key the backup was made with, and nothing else)"
    )]
    TargetNotEmpty { data_dir: String, found: String },
    #[error(
        "restore needs the secret key the backup was made with, and none is here: put that \
         secret.key into {data_dir} (chmod 600), or set QUIETLIST_SECRET_KEY"
    )]
    NoKey { data_dir: String },
    #[error(
        "the backup {file} was made under another secret key than {used}: that key cannot read \
         its addresses, so nothing was restored. Use the secret key that was in use when the \
         backup was made."
    )]
    OtherKey { file: String, used: String },
    #[error("{file} failed its integrity check ({detail}); nothing was restored")]
    Damaged { file: String, detail: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Where the key in use lives, for the reminder that it is not in the backup.
#[derive(Debug, Clone)]
pub enum KeyLocation {
    Environment,
    File(PathBuf),
}

impl std::fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Environment => write!(f, "QUIETLIST_SECRET_KEY (in this node's environment)"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

pub struct BackupReport {
    pub file: PathBuf,
    pub source: String,
    pub facts: BackupFacts,
    pub key: KeyLocation,
}

pub struct RestoreReport {
    pub database: PathBuf,
    pub facts: BackupFacts,
    pub key: KeyLocation,
}

fn sqlite_path(settings: &DatabaseSettings, data_dir: &Path) -> Result<PathBuf, BackupError> {
    let url = DatabaseUrl::parse(settings.url.as_ref().map(|u| u.expose_secret()), data_dir)
        .map_err(anyhow::Error::msg)?;
    match url {
        DatabaseUrl::Sqlite(path) => Ok(path),
        postgres @ DatabaseUrl::Postgres(_) => Err(BackupError::Postgres(postgres.describe())),
    }
}

fn key_location(secret_key: Option<&SecretString>, data_dir: &Path) -> KeyLocation {
    match secret_key {
        Some(_) => KeyLocation::Environment,
        None => KeyLocation::File(data_dir.join(KEY_FILE)),
    }
}

/// Writes a checked copy of the configured SQLite database to `file` while the server
/// may be running.
pub fn backup(
    settings: &DatabaseSettings,
    data_dir: &Path,
    secret_key: Option<&SecretString>,
    file: &Path,
) -> Result<BackupReport, BackupError> {
    let source = sqlite_path(settings, data_dir)?;
    let facts = write_backup(&source, file)?;
    Ok(BackupReport {
        file: file.to_path_buf(),
        source: source.display().to_string(),
        facts,
        key: key_location(secret_key, data_dir),
    })
}

/// Restores `file` into the configured (empty) data directory, after checking that it is
/// sound and that the key here is the one it was made with. Never creates a key.
pub fn restore(
    settings: &DatabaseSettings,
    data_dir: &Path,
    secret_key: Option<&SecretString>,
    file: &Path,
) -> Result<RestoreReport, BackupError> {
    let target = sqlite_path(settings, data_dir)?;
    refuse_unless_empty(data_dir, &target)?;
    let key = load_key(secret_key, data_dir)?;
    let facts = inspect(file)?;
    if facts.integrity != "ok" {
        return Err(BackupError::Damaged {
            file: file.display().to_string(),
            detail: facts.integrity,
        });
    }
    let location = key_location(secret_key, data_dir);
    let other_key = || BackupError::OtherKey {
        file: file.display().to_string(),
        used: location.to_string(),
    };
    if let Some(recorded) = &facts.key_fingerprint
        && *recorded != key.fingerprint()?
    {
        return Err(other_key());
    }
    // The check value could have been copied from elsewhere; a sealed address cannot lie.
    if let Some(sealed) = &facts.sample_sealed_email
        && Vault::new(&key)?.open_email(sealed).is_err()
    {
        return Err(other_key());
    }
    install_backup(file, &target)?;
    Ok(RestoreReport {
        database: target,
        facts,
        key: location,
    })
}

fn load_key(secret_key: Option<&SecretString>, data_dir: &Path) -> Result<MasterKey, BackupError> {
    if secret_key.is_none() && !data_dir.join(KEY_FILE).exists() {
        return Err(BackupError::NoKey {
            data_dir: data_dir.display().to_string(),
        });
    }
    Ok(load_or_create(secret_key.map(|k| k.expose_secret()), data_dir)?.key)
}

/// The data directory may be missing, empty, or hold only the key file; the database
/// file must not exist wherever it is configured.
fn refuse_unless_empty(data_dir: &Path, target: &Path) -> Result<(), BackupError> {
    let not_empty = |found: String| BackupError::TargetNotEmpty {
        data_dir: data_dir.display().to_string(),
        found,
    };
    if target.exists() {
        return Err(not_empty(target.display().to_string()));
    }
    let entries = match std::fs::read_dir(data_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context("reading the data directory")
                .into());
        }
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != KEY_FILE)
        .collect();
    found.sort();
    if found.is_empty() {
        return Ok(());
    }
    Err(not_empty(found.join(", ")))
}
