//! `quietlist backup FILE` and `quietlist restore FILE`: a checked copy of a live SQLite
//! database, and its way back into an empty data directory under the key it was made
//! with. The backup holds ciphertext only; the key is kept (and must be backed up) apart.
//!
//! Every backup gets a MAC beside it (`FILE.mac`): HMAC-SHA256 over the file's exact
//! bytes under a key derived from the secret key. The backup stays an ordinary SQLite
//! file the owner can open; a restore takes it only when the MAC matches, so someone who
//! can edit backup files but has no key cannot plant an owner's password hash, an API key
//! or a webhook in them.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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
    #[error(
        "{file} has no MAC beside it ({mac} is missing), so nothing proves it is the file \
         quietlist wrote; nothing was restored. Backups made before quietlist sealed them \
         have none, and a lost or removed .mac looks the same. If the server that made it \
         still runs, take a new backup (quietlist backup NEW-FILE) and restore that. If this \
         is an older backup that has been in your own keeping since, and only then, restore \
         it with: quietlist restore --trust-unsigned {file} (its owner accounts, API keys \
         and webhooks are then taken on trust)."
    )]
    Unsigned { file: String, mac: String },
    #[error(
        "{file} does not match its MAC {mac} ({detail}): it was changed after quietlist \
         backup wrote it, or the .mac belongs to another backup. Nothing was restored; \
         restore an untouched backup with its own .mac."
    )]
    Tampered {
        file: String,
        mac: String,
        detail: &'static str,
    },
    #[error(
        "a backup is sealed with the secret key, and none is here: put the secret.key into \
         {data_dir} (chmod 600), or set QUIETLIST_SECRET_KEY as the server has it"
    )]
    NoKeyToSeal { data_dir: String },
    #[error("{mac} exists already; name a new backup file")]
    MacExists { mac: String },
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
    /// Whether the backup's MAC was checked (false only with `--trust-unsigned` and no
    /// MAC file).
    pub mac_checked: bool,
}

/// The first line of a MAC file, then the MAC in hex.
const MAC_HEADER: &str = "quietlist-backup-mac v1 hmac-sha256";

/// Where a backup's MAC is written: beside it, `FILE.mac`.
pub fn mac_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".mac");
    PathBuf::from(name)
}

fn mac_text(mac: &[u8; 32]) -> String {
    format!("{MAC_HEADER}\n{}\n", hex::encode(mac))
}

fn parse_mac_text(text: &str) -> Option<Vec<u8>> {
    let mut lines = text.lines();
    if lines.next()?.trim() != MAC_HEADER {
        return None;
    }
    let mac = hex::decode(lines.next()?.trim()).ok()?;
    (mac.len() == 32 && lines.all(|l| l.trim().is_empty())).then_some(mac)
}

fn open(path: &Path) -> anyhow::Result<std::fs::File> {
    use anyhow::Context;
    std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))
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
    let mac_file = mac_path(file);
    if mac_file.exists() {
        return Err(BackupError::MacExists {
            mac: mac_file.display().to_string(),
        });
    }
    if secret_key.is_none() && !data_dir.join(KEY_FILE).exists() {
        return Err(BackupError::NoKeyToSeal {
            data_dir: data_dir.display().to_string(),
        });
    }
    let key = load_or_create(secret_key.map(|k| k.expose_secret()), data_dir)?.key;
    let fingerprint = key.fingerprint()?;
    let vault = Vault::new(&key)?;
    let used = key_location(secret_key, data_dir);
    let mut mac_written = false;
    let written = write_backup(&source, file, |partial, facts| {
        if facts
            .key_fingerprint
            .as_ref()
            .is_some_and(|f| *f != fingerprint)
        {
            anyhow::bail!(
                "the database was written with another secret key than {used}: a backup \
                 sealed with it could not be restored. Run quietlist backup with the key the \
                 server uses."
            );
        }
        let mac = vault.backup_mac(open(partial)?)?;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&mac_file)?;
        mac_written = true;
        out.write_all(mac_text(&mac).as_bytes())?;
        out.sync_all()?;
        Ok(())
    });
    let facts = match written {
        Ok(facts) => facts,
        Err(e) => {
            if mac_written {
                let _ = std::fs::remove_file(&mac_file);
            }
            return Err(e.into());
        }
    };
    Ok(BackupReport {
        file: file.to_path_buf(),
        source: source.display().to_string(),
        facts,
        key: key_location(secret_key, data_dir),
    })
}

/// Restores `file` into the configured (empty) data directory, after checking its MAC
/// (before anything is written), that it is sound, and that the key here is the one it
/// was made with. Never creates a key. With `trust_unsigned`, a backup without a MAC file
/// (made before backups were sealed) is taken on trust; a MAC that is there is always
/// checked.
pub fn restore(
    settings: &DatabaseSettings,
    data_dir: &Path,
    secret_key: Option<&SecretString>,
    file: &Path,
    trust_unsigned: bool,
) -> Result<RestoreReport, BackupError> {
    let target = sqlite_path(settings, data_dir)?;
    refuse_unless_empty(data_dir, &target)?;
    let key = load_key(secret_key, data_dir)?;
    let vault = Vault::new(&key)?;
    let location = key_location(secret_key, data_dir);
    let other_key = || BackupError::OtherKey {
        file: file.display().to_string(),
        used: location.to_string(),
    };
    let mac_file = mac_path(file);
    let tampered = |detail| BackupError::Tampered {
        file: file.display().to_string(),
        mac: mac_file.display().to_string(),
        detail,
    };
    let expected_mac = match std::fs::read(&mac_file) {
        Ok(bytes) => Some(
            std::str::from_utf8(&bytes)
                .ok()
                .and_then(parse_mac_text)
                .ok_or_else(|| tampered("the MAC file is not one quietlist backup wrote"))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && trust_unsigned => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Unsigned {
                file: file.display().to_string(),
                mac: mac_file.display().to_string(),
            });
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("reading {}", mac_file.display()))
                .into());
        }
    };
    if let Some(expected) = &expected_mac
        && !vault
            .backup_mac_matches(open(file)?, expected)
            .map_err(anyhow::Error::new)?
    {
        // Only to name the likelier cause: under another key no MAC matches. The check
        // value is not trusted for anything else (either way nothing is restored).
        let recorded = inspect(file).ok().and_then(|f| f.key_fingerprint);
        if recorded.is_some_and(|r| r != key.fingerprint().unwrap_or_default()) {
            return Err(other_key());
        }
        return Err(tampered("the bytes are not the ones it was made for"));
    }
    let facts = inspect(file)?;
    if facts.integrity != "ok" {
        return Err(BackupError::Damaged {
            file: file.display().to_string(),
            detail: facts.integrity,
        });
    }
    if let Some(recorded) = &facts.key_fingerprint
        && *recorded != key.fingerprint()?
    {
        return Err(other_key());
    }
    // The check value could have been copied from elsewhere; a sealed address cannot lie.
    if let Some(sealed) = &facts.sample_sealed_email
        && vault.open_email(sealed).is_err()
    {
        return Err(other_key());
    }
    // The file may change between the check above and the copy: the MAC is checked again
    // on the bytes copied, before they get the database's name.
    let installed = install_backup(file, &target, |copy| match &expected_mac {
        Some(expected) => Ok(vault.backup_mac_matches(open(copy)?, expected)?),
        None => Ok(true),
    })?;
    if !installed {
        return Err(tampered("it changed while it was being restored"));
    }
    Ok(RestoreReport {
        database: target,
        facts,
        key: location,
        mac_checked: expected_mac.is_some(),
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
