//! DKIM: signing the exact bytes that go out, and making keys (`quietlist dkim keygen`).
//!
//! Why the bytes and not lettre's `Message`: lettre's signer ran before lettre wrote the
//! multipart Content-Type header, so a signature whose `h=` names Content-Type never
//! verified anywhere. Here the message is formatted first, mail-auth signs those bytes,
//! and the DKIM-Signature header is put in front of them; nothing changes them after.

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use mail_auth::common::crypto::{DkimKey, Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{DkimSigner, Done};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use secrecy::{ExposeSecret, SecretString};

use crate::config::DkimSettings;

/// The headers DKIM signs: the one-click unsubscribe pair among them (RFC 8058 §4). A
/// listed header a mail lacks (List-Unsubscribe on a confirmation) is signed as absent, so
/// it cannot be added on the way.
pub const SIGNED_HEADERS: [&str; 10] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// Receivers must refuse RSA keys under 1024 bits (RFC 8301 §3.2).
const MIN_RSA_BITS: usize = 1024;
/// What `dkim keygen` makes: RFC 8301 recommends 2048, and longer keys no longer fit
/// in one DNS TXT string at many providers.
const KEYGEN_RSA_BITS: usize = 2048;

/// An Ed25519 PKCS#8 v1 document is this prefix and the 32-byte seed (RFC 8410 §7).
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Signs mail for one domain with one key and selector.
pub struct Signer {
    inner: DkimSigner<DkimKey, Done>,
}

impl Signer {
    /// `domain` is the From address's: receivers align DKIM with it (DMARC).
    pub fn new(settings: &DkimSettings, domain: &str) -> anyhow::Result<Self> {
        check_selector(&settings.selector).context("QUIETLIST_DKIM_SELECTOR")?;
        let key = parse_key(settings.key_pem.expose_secret()).context("QUIETLIST_DKIM_KEY")?;
        let inner = DkimSigner::from_key(key)
            .domain(domain)
            .selector(settings.selector.as_str())
            .headers(SIGNED_HEADERS);
        Ok(Self { inner })
    }

    /// The message with its DKIM-Signature header in front: `message` is the whole mail as
    /// it will be sent after DATA (CRLF line ends).
    pub fn sign(&self, message: &[u8]) -> anyhow::Result<Vec<u8>> {
        let signature = self
            .inner
            .sign(message)
            .map_err(|e| anyhow!("DKIM signing failed: {e}"))?;
        let mut signed = close_b_tag(&signature.to_header()).into_bytes();
        signed.extend_from_slice(message);
        Ok(signed)
    }
}

/// mail-auth folds the b= value at a fixed width, so a fold can fall just after `b=` or
/// just before the closing `;`. It signed the header with `b=;` and nothing between; a
/// verifier deletes the b= value but may keep a fold around it (dkimpy does, and reads
/// `b= ;`), and then no RSA signature on such a mail verifies. Taking out those two folds
/// gives back exactly the form that was signed.
fn close_b_tag(header: &str) -> String {
    let Some(start) = header.rfind("; b=").map(|i| i + "; b=".len()) else {
        return header.to_owned();
    };
    let Some(value) = header[start..].strip_suffix(";\r\n") else {
        return header.to_owned();
    };
    format!("{}{};\r\n", &header[..start], value.trim())
}

/// A selector is one or more DNS labels (RFC 6376 §3.1).
pub fn check_selector(selector: &str) -> anyhow::Result<()> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if selector.is_empty() || selector.len() > 200 || !selector.split('.').all(label_ok) {
        bail!(
            "the selector {selector:?} is not a DNS name: use letters, digits, hyphens and \
             dots, e.g. ql2026"
        );
    }
    Ok(())
}

/// Reads a private key: RSA as PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE
/// KEY") PEM; Ed25519 as PKCS#8 PEM, or its 32-byte seed in base64 (the form quietlist took
/// before, with or without PEM armour around it).
pub fn parse_key(text: &str) -> anyhow::Result<DkimKey> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .map(str::trim)
        .collect();
    if let Ok(seed) = base64::engine::general_purpose::STANDARD.decode(&body)
        && seed.len() == 32
    {
        let mut der = ED25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        return Ed25519Key::from_pkcs8_der(&der)
            .map(DkimKey::Ed25519)
            .map_err(|e| anyhow!("not a usable Ed25519 key: {e}"));
    }
    if !text.contains("-----BEGIN") {
        bail!(
            "not a key quietlist can use: give a PEM file (RSA: BEGIN RSA PRIVATE KEY or BEGIN \
             PRIVATE KEY; Ed25519: BEGIN PRIVATE KEY) or an Ed25519 key as 32 bytes of base64"
        );
    }
    let der = PrivateKeyDer::from_pem_slice(text.as_bytes())
        .map_err(|e| anyhow!("no private key found in the PEM text ({e})"))?;
    match der {
        PrivateKeyDer::Pkcs8(pkcs8) => {
            // PKCS#8 holds either algorithm; an Ed25519 one is a short fixed shape.
            if let Ok(key) = Ed25519Key::from_pkcs8_der(pkcs8.secret_pkcs8_der()) {
                return Ok(DkimKey::Ed25519(key));
            }
            rsa_key(PrivateKeyDer::Pkcs8(pkcs8))
        }
        PrivateKeyDer::Pkcs1(_) => rsa_key(der),
        _ => bail!("an EC (SEC1) key: DKIM signs with RSA or Ed25519"),
    }
}

fn rsa_key(der: PrivateKeyDer<'_>) -> anyhow::Result<DkimKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let parsed = match &der {
        PrivateKeyDer::Pkcs1(k) => rsa::RsaPrivateKey::from_pkcs1_der(k.secret_pkcs1_der())
            .map_err(|e| anyhow!("not a usable RSA key: {e}"))?,
        PrivateKeyDer::Pkcs8(k) => rsa::RsaPrivateKey::from_pkcs8_der(k.secret_pkcs8_der())
            .map_err(|e| anyhow!("neither an RSA nor an Ed25519 key: {e}"))?,
        _ => bail!("not an RSA key"),
    };
    let bits = parsed.size() * 8;
    if bits < MIN_RSA_BITS {
        bail!(
            "an RSA key of {bits} bits: receivers refuse keys under {MIN_RSA_BITS} bits; make \
             a new one with `quietlist dkim keygen`"
        );
    }
    RsaKey::<Sha256>::from_key_der(der)
        .map(DkimKey::Rsa)
        .map_err(|e| anyhow!("not a usable RSA key: {e}"))
}

/// The algorithms `dkim keygen` makes keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSA 2048, which every receiver verifies.
    Rsa,
    /// Ed25519 (RFC 8463): short, but not every receiver verifies it yet.
    Ed25519,
}

/// A new key: its private half as PKCS#8 PEM and the DNS record of its public half.
pub struct NewKey {
    pub private_pem: SecretString,
    /// The TXT record's value: `v=DKIM1; k=rsa; p=...`.
    pub record: String,
}

pub fn generate(algorithm: Algorithm) -> anyhow::Result<NewKey> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match algorithm {
        Algorithm::Rsa => {
            use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEYGEN_RSA_BITS)
                .context("generating an RSA key")?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .context("encoding the RSA key")?;
            // p= is the SubjectPublicKeyInfo, as openssl and opendkim-genkey write it.
            let public = key
                .to_public_key()
                .to_public_key_der()
                .context("encoding the RSA public key")?;
            Ok(NewKey {
                private_pem: SecretString::from(pem.as_str().to_owned()),
                record: format!("v=DKIM1; k=rsa; p={}", b64.encode(public.as_bytes())),
            })
        }
        Algorithm::Ed25519 => {
            // PKCS#8 v1, as openssl writes it: the v2 form (with the public key) that
            // ed25519-dalek writes is one that OpenSSL 3.0 cannot read.
            use rsa::rand_core::RngCore;
            let mut der = ED25519_PKCS8_PREFIX.to_vec();
            let mut seed = [0u8; 32];
            rsa::rand_core::OsRng.fill_bytes(&mut seed);
            der.extend_from_slice(&seed);
            let public = Ed25519Key::from_pkcs8_der(&der)
                .map_err(|e| anyhow!("reading the new key: {e}"))?
                .public_key();
            Ok(NewKey {
                private_pem: SecretString::from(pem("PRIVATE KEY", &der)),
                // RFC 8463 §4: p= is the bare 32-byte public key.
                record: format!("v=DKIM1; k=ed25519; p={}", b64.encode(public)),
            })
        }
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The record as a zone-file line. One TXT string holds at most 255 characters, so a
/// longer value is cut into several quoted strings, which DNS joins back.
pub fn zone_line(selector: &str, domain: &str, record: &str) -> String {
    let strings: Vec<String> = record
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect();
    format!(
        "{selector}._domainkey.{domain} IN TXT {}",
        strings.join(" ")
    )
}

/// The domain to sign for when none is named: QUIETLIST_MAIL_FROM's, else the base URL's
/// host (what `serve` uses for the default From), unless that is an address or missing.
pub fn default_domain(mail_from: Option<&str>, base_url: Option<&str>) -> Option<String> {
    if let Some(from) = mail_from.filter(|f| !f.trim().is_empty()) {
        return from
            .parse::<lettre::message::Mailbox>()
            .ok()
            .map(|m| m.email.domain().to_owned());
    }
    let host = url::Url::parse(base_url?).ok()?.host_str()?.to_owned();
    let is_ip = host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok();
    (!is_ip && host != "localhost").then_some(host)
}

/// Writes a new private key file readable by its owner only; an existing file is never
/// overwritten (it may be the key receivers are checking today).
pub fn write_new_key(path: &std::path::Path, key: &NewKey) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating {} (an existing key file is never overwritten)",
            path.display()
        )
    })?;
    file.write_all(key.private_pem.expose_secret().as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_dns_labels() {
        for good in ["ql2026", "mail-1", "a.b"] {
            assert!(check_selector(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "-x", "x;", "a..b", "s\r\nX-Evil: 1"] {
            assert!(check_selector(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_that_is_not_one_is_refused_with_a_readable_message() {
        for text in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ] {
            let error = format!("{:#}", parse_key(text).err().unwrap());
            assert!(!error.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn a_generated_ed25519_key_reads_back_and_signs() {
        let key = generate(Algorithm::Ed25519).unwrap();
        assert!(key.record.starts_with("v=DKIM1; k=ed25519; p="));
        let signer = Signer::new(
            &DkimSettings {
                key_pem: key.private_pem,
                selector: "s".into(),
            },
            "example.org",
        )
        .unwrap();
        let signed = signer
            .sign(b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n")
            .unwrap();
        assert!(signed.starts_with(b"DKIM-Signature: "));
        assert!(signed.ends_with(b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"));
    }

    #[test]
    fn no_fold_is_left_around_the_b_value() {
        let folded =
            "DKIM-Signature: v=1; a=rsa-sha256; bh=AB\r\n\tCD=; b=\r\n\tEF\r\n\tGH==\r\n\t;\r\n";
        assert_eq!(
            close_b_tag(folded),
            "DKIM-Signature: v=1; a=rsa-sha256; bh=AB\r\n\tCD=; b=EF\r\n\tGH==;\r\n"
        );
        let plain = "DKIM-Signature: v=1; bh=AB=; b=Xb==;\r\n";
        assert_eq!(close_b_tag(plain), plain);
    }

    #[test]
    fn long_records_are_cut_into_strings_of_at_most_255() {
        let record = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
        let line = zone_line("s", "example.org", &record);
        assert!(line.starts_with("s._domainkey.example.org IN TXT \""));
        let strings: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        assert!(strings.iter().all(|s| s.len() <= 255));
        assert_eq!(strings.concat(), record);
    }

    #[test]
    fn the_default_domain_follows_the_from_address_then_the_base_url() {
        assert_eq!(
            default_domain(
                Some("News <n@mail.example.org>"),
                Some("https://example.org")
            ),
            Some("mail.example.org".into())
        );
        assert_eq!(
            default_domain(None, Some("https://example.org/x")),
            Some("example.org".into())
        );
        assert_eq!(default_domain(None, Some("http://127.0.0.1:8080")), None);
        assert_eq!(default_domain(None, None), None);
    }
}
