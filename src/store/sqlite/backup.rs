//! A consistent copy of a live SQLite database (`VACUUM INTO` reads one snapshot while
//! the server goes on writing), and what a backup file holds, for `quietlist backup`
//! and `quietlist restore`.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// What a backup file holds, read without the secret key.
#[derive(Debug, Clone)]
pub struct BackupFacts {
    /// `PRAGMA integrity_check`: "ok" when sound.
    pub integrity: String,
    /// The check value of the secret key its data was written with, if recorded.
    pub key_fingerprint: Option<String>,
    pub people: u64,
    /// One sealed address, to prove a key by opening it.
    pub sample_sealed_email: Option<Vec<u8>>,
    pub bytes: u64,
}

/// Writes a consistent copy of the database at `source` to `dest` (which must not
/// exist): into a private temporary file beside it first, checked, then handed to `seal`
/// (which writes the file's MAC beside it, over the exact bytes that will be `dest`), and
/// only then renamed, so that `dest` is only ever a whole, checked, sealed backup.
pub fn write_backup(
    source: &Path,
    dest: &Path,
    seal: impl FnOnce(&Path, &BackupFacts) -> anyhow::Result<()>,
) -> anyhow::Result<BackupFacts> {
    if !source.exists() {
        anyhow::bail!("there is no database at {}", source.display());
    }
    if dest.exists() {
        anyhow::bail!("{} exists already; name a new file", dest.display());
    }
    let partial = partial_path(dest);
    // Created empty and private (0600) first: VACUUM INTO accepts an empty file, and the
    // copy holds sealed personal data.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let written = (|| -> anyhow::Result<BackupFacts> {
        let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", source.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let target = partial
            .to_str()
            .context("the backup's path is not valid UTF-8")?;
        conn.execute("VACUUM INTO ?1", [target])
            .context("copying the database (VACUUM INTO)")?;
        drop(conn);
        std::fs::File::open(&partial)?.sync_all()?;
        inspect(&partial)
    })();
    let written = match written {
        Ok(facts) if facts.integrity == "ok" => seal(&partial, &facts).map(|()| facts),
        other => other,
    };
    let facts = match written {
        Ok(facts) if facts.integrity == "ok" => facts,
        Ok(facts) => {
            let _ = std::fs::remove_file(&partial);
            anyhow::bail!("the copy failed its integrity check: {}", facts.integrity);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, dest)
        .with_context(|| format!("renaming {} to {}", partial.display(), dest.display()))?;
    Ok(facts)
}

/// Reads a backup file (read-only) without the key: is it sound, and which key wrote it.
pub fn inspect(file: &Path) -> anyhow::Result<BackupFacts> {
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", file.display()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .with_context(|| format!("{} is not a SQLite database", file.display()))?;
    let has_table = |name: &str| -> anyhow::Result<bool> {
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [name],
            |r| r.get(0),
        )?)
    };
    if !has_table("subscribers")? {
        anyhow::bail!("{} is not a quietlist database", file.display());
    }
    let key_fingerprint = if has_table("key_check")? {
        conn.query_row("SELECT fingerprint FROM key_check WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
    } else {
        None
    };
    let people: i64 = conn.query_row("SELECT COUNT(*) FROM subscribers", [], |r| r.get(0))?;
    let sample_sealed_email = conn
        .query_row(
            "SELECT email_sealed FROM subscribers ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(BackupFacts {
        integrity,
        key_fingerprint,
        people: u64::try_from(people).unwrap_or(0),
        sample_sealed_email,
        bytes,
    })
}

/// Copies a checked backup file to `dest` (which must not exist) through a temporary
/// file beside it, private (0600), synced, then renamed if `accept` takes the bytes that
/// were copied (the file may have changed since it was checked). Returns whether it did;
/// a copy not accepted is removed.
pub fn install_backup(
    file: &Path,
    dest: &Path,
    accept: impl FnOnce(&Path) -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    if dest.exists() {
        anyhow::bail!("{} exists already", dest.display());
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = partial_path(dest);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let copied = (|| -> anyhow::Result<()> {
        let mut input =
            std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        std::io::copy(&mut input, &mut out)?;
        out.sync_all()?;
        Ok(())
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.context(format!("copying {} to {}", file.display(), dest.display())));
    }
    match accept(&partial) {
        Ok(true) => {}
        Ok(false) => {
            let _ = std::fs::remove_file(&partial);
            return Ok(false);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    }
    std::fs::rename(&partial, dest)
        .with_context(|| format!("renaming {} to {}", partial.display(), dest.display()))?;
    Ok(true)
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    dest.with_file_name(name)
}
