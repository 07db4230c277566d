//! Owner passwords: argon2id (m = 19,456 KiB, t = 2, p = 1, OWASP's minimum), hashed off
//! the async threads, a bounded number at once. Unknown accounts are checked against a
//! dummy hash so that the time taken says nothing about which accounts exist.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// How many hashes may run at once (each takes 19 MiB and tens of milliseconds).
const AT_ONCE: usize = 2;

pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy: Arc<String>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords")
    }
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let hash = argon2()?
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

impl Passwords {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            permits: Arc::new(Semaphore::new(AT_ONCE)),
            dummy: Arc::new(hash_now("not a password anyone has: timing only")?),
        })
    }

    /// Checks a new password's length; returns the problem in words.
    pub fn check_new(password: &str) -> Result<(), String> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(format!(
                "the password needs at least {MIN_PASSWORD_CHARS} characters"
            ));
        }
        if password.len() > 1024 {
            return Err("the password is longer than 1,024 bytes".into());
        }
        Ok(())
    }

    pub async fn hash(&self, password: &SecretString) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let password = password.expose_secret().to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password)).await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no
    /// account (the answer is then always false, after the same work).
    pub async fn verify(
        &self,
        password: &SecretString,
        hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let password = password.expose_secret().to_owned();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy.as_ref().clone());
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("a stored password hash is damaged: {e}"))?;
            let ok = argon2()?
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(ok && known)
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let p = Passwords::new().unwrap();
        let secret = SecretString::from("correct horse battery".to_owned());
        let hash = p.hash(&secret).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(p.verify(&secret, Some(hash.clone())).await.unwrap());
        assert!(
            !p.verify(&SecretString::from("wrong".to_owned()), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !p.verify(&secret, None).await.unwrap(),
            "no account, no login"
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(Passwords::check_new("short").is_err());
        assert!(Passwords::check_new("long enough passphrase").is_ok());
    }
}
