//! Encryption of personal data at rest, keyed blind indexes, and link tokens.
//!
//! Everything derives from one 32-byte master key that lives outside the database
//! (`QUIETLIST_SECRET_KEY` or `secret.key` in the data directory). With the database
//! alone, an attacker holds ciphertext, HMACs and random seeds: no address, no link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

use super::feistel::Feistel;

use crate::domain::{EmailAddress, FieldValues, PersonName, Token, TokenPurpose};

type HmacSha256 = Hmac<Sha256>;

/// A person's details, sealed (see [`Vault::seal_person`]).
pub struct SealedPerson {
    pub email_index: [u8; 32],
    pub email: Vec<u8>,
    pub name: Option<Vec<u8>>,
    pub fields: Option<Vec<u8>>,
}

/// The 32-byte master key. Never printed.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    pub fn generate() -> Self {
        Self::from_bytes(rand::random())
    }

    /// Parses the key as written in `QUIETLIST_SECRET_KEY` or the key file: 64 hex digits
    /// or 43/44 characters of base64.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 {
            hex::decode(text).map_err(|_| "the key is not valid hex".to_owned())?
        } else {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(text.trim_end_matches('='))
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| "the key is neither 64 hex digits nor base64".to_owned())?
        };
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the key must be exactly 32 bytes".to_owned())?;
        Ok(Self::from_bytes(array))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.expose_secret())
    }

    /// A check value that tells whether two keys are the same without revealing either:
    /// HMAC-SHA256(key, "quietlist key check v1"), first 16 bytes, in hex. The database
    /// stores it so that a start with another key is refused (see `keys::check`).
    pub fn fingerprint(&self) -> anyhow::Result<String> {
        let mut mac = HmacSha256::new_from_slice(self.0.expose_secret())
            .map_err(|_| anyhow::anyhow!("HMAC key setup failed for the key check"))?;
        mac.update(b"quietlist key check v1");
        Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<secret>)")
    }
}

/// What a sealed value is; bound into the ciphertext so one column's value cannot be
/// moved into another's.
#[derive(Debug, Clone, Copy)]
pub enum SealedKind {
    Email,
    Name,
    Fields,
    Other,
}

impl SealedKind {
    fn aad(self) -> &'static [u8] {
        match self {
            Self::Email => b"quietlist:email",
            Self::Name => b"quietlist:name",
            Self::Fields => b"quietlist:fields",
            Self::Other => b"quietlist:other",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the stored value could not be decrypted (wrong secret key, or damaged data)")]
    Undecryptable,
    #[error("the value is too large to encrypt")]
    TooLarge,
}

const SEAL_VERSION: u8 = 1;
const PREVIEW_TOKEN_BYTES: usize = 16;
const NONCE_LEN: usize = 24;

/// Holds the keys derived from the master key. Cheap to share behind an `Arc`.
pub struct Vault {
    cipher: XChaCha20Poly1305,
    blind_index: HmacSha256,
    tokens: HmacSha256,
    signing: HmacSha256,
    token_ids: Feistel,
    referral_ids: Feistel,
    /// Keyed hash of the normalised inbox, for counting referrals only.
    referral_index: HmacSha256,
    /// Keys for form stamps and proof-of-work challenges (`abuse`).
    abuse_keys: [[u8; 32]; 2],
    /// Tokens of draft pages' preview addresses.
    previews: HmacSha256,
    /// The MAC of backup files (`quietlist backup`), so that a restore takes only bytes
    /// this key wrote.
    backups: HmacSha256,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(<keys>)")
    }
}

impl Vault {
    pub fn new(master: &MasterKey) -> anyhow::Result<Self> {
        let hkdf = Hkdf::<Sha256>::new(Some(b"quietlist"), master.0.expose_secret());
        let derive = |label: &str| -> anyhow::Result<[u8; 32]> {
            let mut out = [0u8; 32];
            hkdf.expand(label.as_bytes(), &mut out)
                .map_err(|_| anyhow::anyhow!("key derivation failed for {label}"))?;
            Ok(out)
        };
        let mac = |label: &str| -> anyhow::Result<HmacSha256> {
            HmacSha256::new_from_slice(&derive(label)?)
                .map_err(|_| anyhow::anyhow!("HMAC key setup failed for {label}"))
        };
        let cipher = XChaCha20Poly1305::new_from_slice(&derive("v1 seal")?)
            .map_err(|_| anyhow::anyhow!("cipher key setup failed"))?;
        Ok(Self {
            cipher,
            blind_index: mac("v1 blind-index")?,
            tokens: mac("v1 tokens")?,
            signing: mac("v1 signed-links")?,
            token_ids: Feistel::new(mac("v1 token-ids")?),
            referral_ids: Feistel::new(mac("v1 referral-ids")?),
            referral_index: mac("v1 referral-index")?,
            abuse_keys: [derive("v1 form-stamps")?, derive("v1 proof-of-work")?],
            previews: mac("v1 draft-previews")?,
            backups: mac("v1 backup-mac")?,
        })
    }

    /// The token in a draft's preview address (`/preview/{token}{path}`): an HMAC of the
    /// page's path (128 bits), so it opens that page only, and only on this server's key.
    pub fn preview_token(&self, path: &str) -> String {
        let mut mac = self.previews.clone();
        mac.update(path.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..PREVIEW_TOKEN_BYTES])
    }

    /// Whether `token` is the preview token of `path` (compared in constant time).
    pub fn preview_token_matches(&self, path: &str, token: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        if bytes.len() != PREVIEW_TOKEN_BYTES {
            return false;
        }
        let mut mac = self.previews.clone();
        mac.update(path.as_bytes());
        mac.verify_truncated_left(&bytes).is_ok()
    }

    /// HMAC-SHA256 of a backup file's exact bytes, under a key of its own (derived from
    /// the master key with the label "v1 backup-mac").
    pub fn backup_mac(&self, bytes: impl std::io::Read) -> std::io::Result<[u8; 32]> {
        Ok(self.backup_mac_of(bytes)?.finalize().into_bytes().into())
    }

    /// Whether `mac` is the backup MAC of `bytes` (compared in constant time).
    pub fn backup_mac_matches(
        &self,
        bytes: impl std::io::Read,
        mac: &[u8],
    ) -> std::io::Result<bool> {
        Ok(self.backup_mac_of(bytes)?.verify_slice(mac).is_ok())
    }

    fn backup_mac_of(&self, mut bytes: impl std::io::Read) -> std::io::Result<HmacSha256> {
        let mut mac = self.backups.clone();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match bytes.read(&mut buffer) {
                Ok(0) => return Ok(mac),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            mac.update(&buffer[..n]);
        }
    }

    /// Encrypts with a fresh random nonce: `version || nonce || ciphertext+tag`.
    pub fn seal(&self, kind: SealedKind, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: kind.aad(),
                },
            )
            .map_err(|_| VaultError::TooLarge)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    pub fn open(&self, kind: SealedKind, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        let (version, rest) = sealed.split_first().ok_or(VaultError::Undecryptable)?;
        if *version != SEAL_VERSION || rest.len() < NONCE_LEN {
            return Err(VaultError::Undecryptable);
        }
        let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce_array: [u8; NONCE_LEN] = nonce_bytes
            .try_into()
            .map_err(|_| VaultError::Undecryptable)?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce_array),
                Payload {
                    msg: ciphertext,
                    aad: kind.aad(),
                },
            )
            .map_err(|_| VaultError::Undecryptable)
    }

    pub fn seal_str(&self, kind: SealedKind, text: &str) -> Result<Vec<u8>, VaultError> {
        self.seal(kind, text.as_bytes())
    }

    pub fn open_string(&self, kind: SealedKind, sealed: &[u8]) -> Result<String, VaultError> {
        String::from_utf8(self.open(kind, sealed)?).map_err(|_| VaultError::Undecryptable)
    }

    pub fn open_email(&self, sealed: &[u8]) -> Result<EmailAddress, VaultError> {
        let text = self.open_string(SealedKind::Email, sealed)?;
        EmailAddress::parse(&text).map_err(|_| VaultError::Undecryptable)
    }

    /// A person's details as they are stored: the blind index to find them by address,
    /// everything else sealed. Signup and import both come through here, so nothing
    /// reaches the database in clear.
    pub fn seal_person(
        &self,
        email: &EmailAddress,
        name: Option<&PersonName>,
        fields: &FieldValues,
    ) -> Result<SealedPerson, VaultError> {
        Ok(SealedPerson {
            email_index: self.email_index(email),
            email: self.seal_str(SealedKind::Email, email.as_str())?,
            name: name
                .map(|n| self.seal_str(SealedKind::Name, n.as_str()))
                .transpose()?,
            fields: (!fields.is_empty())
                .then(|| self.seal_str(SealedKind::Fields, &serde_json::json!(fields).to_string()))
                .transpose()?,
        })
    }

    /// The keyed blind index of an address: equal addresses give equal indexes, and
    /// without the key the index says nothing about the address.
    pub fn email_index(&self, email: &EmailAddress) -> [u8; 32] {
        keyed_hash(&self.blind_index, email.as_str().as_bytes())
    }

    /// The token of a link: the token row's id, masked, then an HMAC of the row's purpose,
    /// id and random seed (192 bits). The database keeps only the seed; with the database
    /// alone no one can make a working link, and a look-up needs no index.
    pub fn link_token(&self, purpose: TokenPurpose, token_id: i64, seed: &[u8]) -> Token {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&self.token_ids.encrypt(token_id as u64).to_be_bytes());
        bytes[8..].copy_from_slice(&self.link_mac(purpose, token_id, seed)[..24]);
        Token::from_bytes(&bytes)
    }

    /// The token row a link points at, if the token is well formed.
    pub fn token_id(&self, token: &Token) -> Option<i64> {
        let bytes = token.to_bytes()?;
        let mut masked = [0u8; 8];
        masked.copy_from_slice(&bytes[..8]);
        i64::try_from(self.token_ids.decrypt(u64::from_be_bytes(masked))).ok()
    }

    /// Whether `token` is the link for this row (constant time).
    pub fn token_matches(
        &self,
        token: &Token,
        purpose: TokenPurpose,
        token_id: i64,
        seed: &[u8],
    ) -> bool {
        let Some(bytes) = token.to_bytes() else {
            return false;
        };
        let expected = self.link_mac(purpose, token_id, seed);
        let mut difference = 0u8;
        for (a, b) in bytes[8..].iter().zip(&expected[..24]) {
            difference |= a ^ b;
        }
        difference == 0 && self.token_id(token) == Some(token_id)
    }

    fn link_mac(&self, purpose: TokenPurpose, token_id: i64, seed: &[u8]) -> [u8; 32] {
        let mut mac = self.tokens.clone();
        mac.update(purpose.as_str().as_bytes());
        mac.update(b":");
        mac.update(&token_id.to_be_bytes());
        mac.update(seed);
        mac.finalize().into_bytes().into()
    }

    /// A person's share code: their id, masked, as 13 characters of base32.
    pub fn referral_code(&self, subscriber_id: i64) -> String {
        base32_encode(self.referral_ids.encrypt(subscriber_id as u64))
    }

    /// The person a share code names (whether they exist is the store's question).
    pub fn referral_id(&self, code: &str) -> Option<i64> {
        let masked = base32_decode(code)?;
        i64::try_from(self.referral_ids.decrypt(masked))
            .ok()
            .filter(|id| *id > 0)
    }

    /// The keyed hash of a normalised inbox (`abuse::referral`): the store compares
    /// these to tell whether a referral is someone's own other spelling.
    pub fn referral_index(&self, email: &EmailAddress) -> [u8; 32] {
        keyed_hash(
            &self.referral_index,
            crate::abuse::referral::normalised_inbox(email).as_bytes(),
        )
    }

    /// The keys of form stamps and proof-of-work challenges.
    pub fn abuse_keys(&self) -> [[u8; 32]; 2] {
        self.abuse_keys
    }

    /// Signs `message` for a link that needs no database row (unsubscribe, manage).
    pub fn sign(&self, message: &[u8]) -> [u8; 32] {
        keyed_hash(&self.signing, message)
    }

    /// Checks a signature from [`Vault::sign`] in constant time.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let mut mac = self.signing.clone();
        mac.update(message);
        mac.verify_slice(signature).is_ok()
    }
}

const BASE32: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

fn base32_encode(value: u64) -> String {
    (0..13)
        .rev()
        .map(|i| BASE32[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

fn base32_decode(code: &str) -> Option<u64> {
    if code.len() != 13 {
        return None;
    }
    code.bytes().try_fold(0u64, |acc, c| {
        let digit = BASE32.iter().position(|b| *b == c.to_ascii_lowercase())? as u64;
        acc.checked_mul(32).map(|v| v | digit)
    })
}

fn keyed_hash(mac: &HmacSha256, data: &[u8]) -> [u8; 32] {
    let mut mac = mac.clone();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::new(&MasterKey::from_bytes([7; 32])).unwrap()
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_kind() {
        let v = vault();
        let sealed = v.seal_str(SealedKind::Email, "ada@example.com").unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"ada"));
        assert_eq!(
            v.open_string(SealedKind::Email, &sealed).unwrap(),
            "ada@example.com"
        );
        assert!(v.open(SealedKind::Name, &sealed).is_err());
        let other = Vault::new(&MasterKey::from_bytes([8; 32])).unwrap();
        assert!(other.open(SealedKind::Email, &sealed).is_err());
        // A fresh nonce each time: the same address seals differently.
        assert_ne!(
            sealed,
            v.seal_str(SealedKind::Email, "ada@example.com").unwrap()
        );
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let a = EmailAddress::parse("ada@example.com").unwrap();
        let v = vault();
        assert_eq!(v.email_index(&a), v.email_index(&a));
        let other = Vault::new(&MasterKey::from_bytes([8; 32])).unwrap();
        assert_ne!(v.email_index(&a), other.email_index(&a));
    }

    #[test]
    fn link_tokens_name_their_row_and_verify_only_with_purpose_and_seed() {
        let v = vault();
        let t = v.link_token(TokenPurpose::Confirm, 42, &[1; 16]);
        assert_eq!(v.token_id(&t), Some(42));
        assert!(v.token_matches(&t, TokenPurpose::Confirm, 42, &[1; 16]));
        assert!(!v.token_matches(&t, TokenPurpose::Unsubscribe, 42, &[1; 16]));
        assert!(!v.token_matches(&t, TokenPurpose::Confirm, 42, &[2; 16]));
        assert!(!v.token_matches(&t, TokenPurpose::Confirm, 43, &[1; 16]));
        let other = Vault::new(&MasterKey::from_bytes([8; 32])).unwrap();
        assert_ne!(other.token_id(&t), Some(42));
        assert_ne!(t, v.link_token(TokenPurpose::Confirm, 43, &[1; 16]));
    }

    #[test]
    fn referral_codes_round_trip_and_reject_junk() {
        let v = vault();
        let code = v.referral_code(7);
        assert_eq!(code.len(), 13);
        assert_eq!(v.referral_id(&code), Some(7));
        assert_eq!(v.referral_id(&code.to_uppercase()), Some(7));
        assert_ne!(v.referral_code(8)[..6], code[..6]);
        assert_eq!(v.referral_id("short"), None);
        assert_eq!(v.referral_id("!!!!!!!!!!!!!"), None);
    }

    #[test]
    fn master_keys_parse_from_hex_and_base64() {
        let hex_key = "11".repeat(32);
        assert!(MasterKey::parse(&hex_key).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        assert!(MasterKey::parse(&b64).is_ok());
        assert!(MasterKey::parse("short").is_err());
        assert!(!format!("{:?}", MasterKey::parse(&hex_key).unwrap()).contains("11"));
    }

    #[test]
    fn signatures_verify_only_for_the_signed_message() {
        let v = vault();
        let sig = v.sign(b"unsubscribe:42");
        assert!(v.verify(b"unsubscribe:42", &sig));
        assert!(!v.verify(b"unsubscribe:43", &sig));
        assert!(!v.verify(b"unsubscribe:42", &sig[..31]));
    }
}
