//! Where the master key comes from: `QUIETLIST_SECRET_KEY`, or a key file in the data
//! directory that is created (mode 0600) on first start; and the check, at every start,
//! that it is the key the database was written with.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::vault::MasterKey;
use crate::store::{KeyCheck, Store};

pub const KEY_FILE: &str = "secret.key";

/// The exit code of a start refused because the database was written with another key
/// (documented in the README; scripts may tell it apart from other failures).
pub const EXIT_WRONG_KEY: u8 = 3;

/// Where the key in use came from.
#[derive(Debug, Clone)]
pub enum KeySource {
    Environment,
    File(PathBuf),
    /// Created by this start, because there was no key file.
    Created(PathBuf),
}

/// The master key and where it came from.
#[derive(Debug)]
pub struct LoadedKey {
    pub key: MasterKey,
    pub source: KeySource,
}

/// A key that must not be used. Its messages name the way out.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the database in {data_dir} was written with a secret key that is not here: {data_dir}/secret.key \
         is missing and QUIETLIST_SECRET_KEY is not set. A new key cannot read the stored addresses, \
         so quietlist will not start with one. Put the old secret.key back into {data_dir} (chmod 600), \
         or set QUIETLIST_SECRET_KEY to the old key; or, to start over without the data, start with \
         an empty data directory."
    )]
    Missing { data_dir: String },
    #[error(
        "the database in {data_dir} was written with another secret key than {used}. That key cannot \
         read the stored addresses, so quietlist will not start with it. Put the old secret.key back \
         into {data_dir} (chmod 600), or set QUIETLIST_SECRET_KEY to the old key; or, to start over \
         without the data, start with an empty data directory."
    )]
    Differs { data_dir: String, used: String },
    #[error(
        "{path} can be read or written by other users (mode {mode:o}); run chmod 600 {path} and start again"
    )]
    OpenToOthers { path: String, mode: u32 },
}

impl KeyError {
    /// The process exit code for this refusal.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Missing { .. } | Self::Differs { .. } => EXIT_WRONG_KEY,
            Self::OpenToOthers { .. } => 1,
        }
    }
}

/// Loads the master key. `from_env` wins when given; otherwise the key file is read, or
/// created when it does not exist yet. Call [`check`] before using it.
pub fn load_or_create(from_env: Option<&str>, data_dir: &Path) -> anyhow::Result<LoadedKey> {
    if let Some(text) = from_env {
        let key = MasterKey::parse(text)
            .map_err(|problem| anyhow::anyhow!("QUIETLIST_SECRET_KEY: {problem}"))?;
        return Ok(LoadedKey {
            key,
            source: KeySource::Environment,
        });
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            refuse_if_open_to_others(&path)?;
            let key = MasterKey::parse(&text)
                .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
            Ok(LoadedKey {
                key,
                source: KeySource::File(path),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = create(&path)?;
            Ok(LoadedKey {
                key,
                source: KeySource::Created(path),
            })
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Checks the key against the check value the database holds, recording it when there
/// is none. Refuses ([`KeyError`]) a key other than the one the stored data was written
/// with; a key file this start created is then removed again, so that nothing is left
/// that could be mistaken for the real key.
pub async fn check(store: &dyn Store, loaded: &LoadedKey, data_dir: &Path) -> anyhow::Result<()> {
    let fingerprint = loaded.key.fingerprint()?;
    let outcome = store
        .check_key(fingerprint, crate::store::now_millis())
        .await
        .context("checking the secret key against the database")?;
    let data_dir = data_dir.display().to_string();
    match outcome {
        KeyCheck::Matches => Ok(()),
        KeyCheck::Recorded => {
            tracing::info!("recorded the secret key's check value in the database");
            Ok(())
        }
        KeyCheck::Replaced => {
            tracing::warn!(
                "the database held no data written with its previous secret key; it is now tied to this key"
            );
            Ok(())
        }
        KeyCheck::Differs => Err(match &loaded.source {
            KeySource::Created(path) => {
                std::fs::remove_file(path)
                    .with_context(|| format!("removing the new key {}", path.display()))?;
                KeyError::Missing { data_dir }
            }
            KeySource::Environment => KeyError::Differs {
                data_dir,
                used: "QUIETLIST_SECRET_KEY".to_owned(),
            },
            KeySource::File(path) => KeyError::Differs {
                data_dir,
                used: format!("the one in {}", path.display()),
            },
        }
        .into()),
    }
}

fn create(path: &Path) -> anyhow::Result<MasterKey> {
    let key = MasterKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", key.to_hex()).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "created a new secret key: back it up apart from the database. \
         Without it the stored addresses cannot be read; with it and the database, they can."
    );
    Ok(key)
}

/// A key that other users can read is a key that is no longer secret; one they can write
/// can be swapped. Either way the owner must decide, so quietlist stops.
fn refuse_if_open_to_others(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::OpenToOthers {
            path: path.display().to_string(),
            mode,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap().key;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load_or_create(None, dir.path()).unwrap().key;
        assert_eq!(first.to_hex(), second.to_hex());
    }

    #[test]
    fn the_environment_wins_and_bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let k = load_or_create(Some(&"ab".repeat(32)), dir.path())
            .unwrap()
            .key;
        assert_eq!(k.to_hex(), "ab".repeat(32));
        assert!(!dir.path().join(KEY_FILE).exists());
        let err = load_or_create(Some("nope"), dir.path()).unwrap_err();
        assert!(err.to_string().contains("QUIETLIST_SECRET_KEY"));
    }
}
