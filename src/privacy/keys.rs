//! Where the master key comes from: `QUIETLIST_SECRET_KEY`, or a key file in the data
//! directory that is created (mode 0600) on first start.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

use super::vault::MasterKey;

pub const KEY_FILE: &str = "secret.key";

/// Loads the master key. `from_env` wins when given; otherwise the key file is read, or
/// created when it does not exist yet.
pub fn load_or_create(from_env: Option<&str>, data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(text) = from_env {
        return MasterKey::parse(text)
            .map_err(|problem| anyhow::anyhow!("QUIETLIST_SECRET_KEY: {problem}"));
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            warn_if_readable_by_others(&path);
            MasterKey::parse(&text)
                .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
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

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the secret key file can be read by other users; run chmod 600 on it");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.to_hex(), second.to_hex());
    }

    #[test]
    fn the_environment_wins_and_bad_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let k = load_or_create(Some(&"ab".repeat(32)), dir.path()).unwrap();
        assert_eq!(k.to_hex(), "ab".repeat(32));
        assert!(!dir.path().join(KEY_FILE).exists());
        let err = load_or_create(Some("nope"), dir.path()).unwrap_err();
        assert!(err.to_string().contains("QUIETLIST_SECRET_KEY"));
    }
}
