//! API keys: made once and shown once, kept as a lookup prefix and a SHA-256, checked in
//! constant time. A key acts for the owner within its scopes; whatever it does is audited
//! under its name (`api-key:NAME`).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::actions::{OwnerActionError, OwnerActions};
use crate::domain::{Capability, Role};
use crate::i18n::Text;
use crate::privacy::audit::{self, Actor, AuditEvent};
use crate::store::{ApiKeyRow, Millis, NewApiKey, SECOND, Store, StoreResult, now_millis};

/// Every key starts so, which makes one easy to recognise in a leak scan.
pub const KEY_PREFIX: &str = "ql_";
/// Random bytes in a key (240 bits; 40 characters of base64url).
const KEY_BYTES: usize = 30;
/// Characters after the prefix that find the key's row (72 of its bits, not secret:
/// the other 168 bits are what an attacker would have to guess).
const LOOKUP_CHARS: usize = 12;
/// A key's last use is written at most this often.
const LAST_USED_EVERY: Millis = 60 * SECOND;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ApiScope {
    #[serde(rename = "lists:read")]
    ListsRead,
    #[serde(rename = "people:read")]
    PeopleRead,
    #[serde(rename = "people:write")]
    PeopleWrite,
    #[serde(rename = "invites:write")]
    InvitesWrite,
    #[serde(rename = "announcements:write")]
    AnnouncementsWrite,
    #[serde(rename = "export")]
    Export,
}

impl ApiScope {
    pub const ALL: [ApiScope; 6] = [
        Self::ListsRead,
        Self::PeopleRead,
        Self::PeopleWrite,
        Self::InvitesWrite,
        Self::AnnouncementsWrite,
        Self::Export,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListsRead => "lists:read",
            Self::PeopleRead => "people:read",
            Self::PeopleWrite => "people:write",
            Self::InvitesWrite => "invites:write",
            Self::AnnouncementsWrite => "announcements:write",
            Self::Export => "export",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word.trim())
    }

    /// A comma-separated list (`lists:read,people:read`); the error names what is wrong.
    pub fn parse_list(words: &str) -> Result<Vec<Self>, String> {
        let mut scopes = Vec::new();
        for word in words.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let scope = Self::parse(word).ok_or_else(|| {
                format!(
                    "unknown scope {word:?}: use {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err("give at least one scope".into());
        }
        Ok(scopes)
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key as the owner sees it in a list: never the key itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKeySummary {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    /// Who made it: `cli` (the command line), or the account's address and id
    /// (`ada@example.com (admin:3)`).
    pub created_by: String,
}

/// A key just made: the only time the key exists outside its holder's hands.
pub struct NewKey {
    pub name: String,
    pub key: SecretString,
    pub scopes: Vec<ApiScope>,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("name", &self.name)
            .field("key", &"[hidden]")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The key behind a request: who acts, and what it may do.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<ApiScope>,
}

impl ApiCaller {
    pub fn may(&self, scope: ApiScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The actor its actions are audited under.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey {
            name: self.name.clone(),
        }
    }
}

/// Why a key was not accepted. One answer for all of them at the edge (401).
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyRefused {
    #[error("the key is not one quietlist made")]
    Malformed,
    #[error("no such key (it may have been revoked)")]
    Unknown,
    #[error("the account that made the key is no longer an owner; the key is revoked")]
    MakerNotOwner,
}

/// A key name: what the owner calls it in lists, the audit log and `revoke`.
pub fn parse_key_name(name: &str) -> Result<String, Text> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(Text::key("refused-key-name-length"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Text::key("refused-key-name-characters"));
    }
    Ok(name.to_owned())
}

fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The lookup part of a presented key, if it has the shape of one.
fn lookup_of(key: &str) -> Option<&str> {
    let body = key.strip_prefix(KEY_PREFIX)?;
    let expected_len = (KEY_BYTES * 4).div_ceil(3);
    if body.len() != expected_len
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    Some(&body[..LOOKUP_CHARS])
}

/// Equal bytes, in time that depends only on the length.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(difference) == 0
}

fn scopes_of(row: &ApiKeyRow) -> Vec<ApiScope> {
    row.scopes.split(',').filter_map(ApiScope::parse).collect()
}

impl OwnerActions {
    /// Makes a key with these scopes; the key is returned once and only its hash is kept.
    /// Audited.
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[ApiScope],
    ) -> Result<NewKey, OwnerActionError> {
        self.allow(Capability::ManageKeys).await?;
        let name = parse_key_name(name).map_err(OwnerActionError::Refused)?;
        if scopes.is_empty() {
            return Err(OwnerActionError::Refused(Text::key("refused-key-no-scope")));
        }
        let random: [u8; KEY_BYTES] = rand::random();
        let key = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
        let lookup = lookup_of(&key)
            .ok_or_else(|| anyhow::anyhow!("a new API key has the wrong shape"))?
            .to_owned();
        // A key made in the admin is its maker's: it works while they are an owner. One
        // made at the command line is the data folder holder's.
        let created_by = match actor {
            Actor::Owner { admin_id } => Some(*admin_id),
            Actor::CommandLine { .. } => None,
            other => {
                return Err(OwnerActionError::Refused(Text::with(
                    "refused-key-maker",
                    vec![("actor", other.to_string().into())],
                )));
            }
        };
        let scope_words: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let created = self
            .waitlists
            .store
            .api_key_create(NewApiKey {
                name: name.clone(),
                lookup,
                key_hash: hash_key(&key),
                scopes: scope_words.join(","),
                created_at: now_millis(),
                created_by,
            })
            .await?;
        if !created {
            return Err(OwnerActionError::Refused(Text::with(
                "refused-key-exists",
                vec![("name", format!("{name:?}").into())],
            )));
        }
        self.audit(
            actor,
            AuditEvent::ApiKeyCreated {
                name: name.clone(),
                scopes: scope_words.join(","),
            },
        )
        .await?;
        Ok(NewKey {
            name,
            key: SecretString::from(key),
            scopes: scopes.to_vec(),
        })
    }

    /// Every key, without the keys.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeySummary>, OwnerActionError> {
        self.allow(Capability::ManageKeys).await?;
        let store = &self.waitlists.store;
        let admins = store.admins().await?;
        let maker = |id: Option<i64>| -> String {
            let Some(id) = id else {
                return "cli".to_owned();
            };
            match admins.iter().find(|a| a.id == id) {
                Some(a) => match self.waitlists.vault.open_email(&a.email_sealed) {
                    Ok(email) => format!("{} (admin:{id})", email.as_str()),
                    Err(_) => format!("admin:{id}"),
                },
                None => format!("admin:{id}"),
            }
        };
        Ok(store
            .api_keys()
            .await?
            .into_iter()
            .map(|row| ApiKeySummary {
                scopes: scopes_of(&row),
                created_by: maker(row.created_by),
                name: row.name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect())
    }

    /// Revokes a key at once: its next request is refused. Audited.
    pub async fn revoke_api_key(&self, actor: &Actor, name: &str) -> Result<(), OwnerActionError> {
        self.allow(Capability::ManageKeys).await?;
        if !self
            .waitlists
            .store
            .api_key_revoke(name.trim().to_owned())
            .await?
        {
            return Err(OwnerActionError::Refused(Text::with(
                "refused-no-key",
                vec![("name", format!("{:?}", name.trim()).into())],
            )));
        }
        self.audit(
            actor,
            AuditEvent::ApiKeyRevoked {
                name: name.trim().to_owned(),
            },
        )
        .await
    }

    /// The key behind `presented`, if it is one quietlist made and has not revoked.
    pub async fn authenticate_api_key(
        &self,
        presented: &SecretString,
    ) -> Result<Result<ApiCaller, ApiKeyRefused>, OwnerActionError> {
        let presented = presented.expose_secret();
        let Some(lookup) = lookup_of(presented) else {
            return Ok(Err(ApiKeyRefused::Malformed));
        };
        let Some(row) = self
            .waitlists
            .store
            .api_key_by_lookup(lookup.to_owned())
            .await?
        else {
            return Ok(Err(ApiKeyRefused::Unknown));
        };
        if !same_bytes(&hash_key(presented), &row.key_hash) {
            return Ok(Err(ApiKeyRefused::Unknown));
        }
        // A key made in the admin acts for its maker: it works while they are an owner.
        // Asked on every request (as an admin session asks its role), so a change made by
        // any path holds at once; the first refusal revokes the key, audited.
        if let Some(maker) = row.created_by {
            let store = self.waitlists.store.as_ref();
            if store.admin_role(maker).await? != Some(Role::Owner) {
                revoke_for_maker(store, &Actor::System, &row.name, maker).await?;
                tracing::warn!(key = %row.name, maker, "an API key whose maker is no longer an owner was refused and revoked");
                return Ok(Err(ApiKeyRefused::MakerNotOwner));
            }
        }
        let now = now_millis();
        if row
            .last_used_at
            .is_none_or(|at| now - at >= LAST_USED_EVERY)
        {
            self.waitlists.store.api_key_used(row.id, now).await?;
        }
        Ok(Ok(ApiCaller {
            id: row.id,
            scopes: scopes_of(&row),
            name: row.name,
        }))
    }
}

/// Revokes one key because its maker is no longer an owner; audited when it was there.
async fn revoke_for_maker(
    store: &dyn Store,
    actor: &Actor,
    name: &str,
    owner_id: i64,
) -> StoreResult<()> {
    if store.api_key_revoke(name.to_owned()).await? {
        audit::record(
            store,
            actor,
            AuditEvent::ApiKeyMakerNotOwner {
                name: name.to_owned(),
                owner_id,
            },
        )
        .await?;
    }
    Ok(())
}

/// Revokes every key `owner_id` made, when the account is removed or stops being an
/// owner; each revocation is audited under `actor`. The number revoked.
pub(crate) async fn revoke_keys_made_by(
    store: &dyn Store,
    actor: &Actor,
    owner_id: i64,
) -> StoreResult<usize> {
    let mut revoked = 0;
    for key in store.api_keys().await? {
        if key.created_by == Some(owner_id) {
            revoke_for_maker(store, actor, &key.name, owner_id).await?;
            revoked += 1;
        }
    }
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_their_words_and_unknown_ones_are_named() {
        assert_eq!(
            ApiScope::parse_list("lists:read, export,lists:read").unwrap(),
            vec![ApiScope::ListsRead, ApiScope::Export]
        );
        let err = ApiScope::parse_list("lists:read,people:delete").unwrap_err();
        assert!(err.contains("people:delete"), "{err}");
        assert!(ApiScope::parse_list(" , ").is_err());
    }

    #[test]
    fn a_key_has_its_prefix_and_at_least_128_secret_bits_beyond_the_lookup() {
        let body_chars = (KEY_BYTES * 4).div_ceil(3);
        assert!((body_chars - LOOKUP_CHARS) * 6 >= 128);
        let key = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode([7u8; KEY_BYTES]));
        assert_eq!(lookup_of(&key).map(str::len), Some(LOOKUP_CHARS));
        assert_eq!(lookup_of("ql_short"), None);
        assert_eq!(lookup_of(&key.replace("ql_", "xx_")), None);
    }

    #[test]
    fn names_are_plain_words() {
        assert!(parse_key_name("crm-sync.1").is_ok());
        assert!(parse_key_name("").is_err());
        assert!(parse_key_name("two words").is_err());
    }
}
