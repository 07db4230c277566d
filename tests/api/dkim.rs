//! Mail that receivers can verify: every kind of mail quietlist sends, signed with each
//! kind of key it accepts, is checked by an implementation that did not sign it (dkimpy,
//! `tests/support/dkim_verify.py`), on the bytes exactly as the SMTP server received them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::helpers::*;

const SELECTOR: &str = "ql-test";
/// A From domain that is not the base URL's host (127.0.0.1, so "localhost"): the
/// signature's d= and the Message-ID must follow the From address.
const FROM: &str = "Waitlist <news@mail.quietlist.test>";
const FROM_DOMAIN: &str = "mail.quietlist.test";

/// The kinds of key quietlist accepts in QUIETLIST_DKIM_KEY.
#[derive(Clone, Copy, Debug)]
enum KeyForm {
    /// `BEGIN RSA PRIVATE KEY`
    RsaPkcs1,
    /// `BEGIN PRIVATE KEY` holding RSA
    RsaPkcs8,
    /// `BEGIN PRIVATE KEY` holding Ed25519
    Ed25519Pkcs8,
    /// The 32-byte Ed25519 seed in base64, on one line
    Ed25519Raw,
}

/// A private key (the text of the key file) and the DNS TXT record of its public key.
struct TestKey {
    private: String,
    record: String,
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A new key, made by openssl: nothing of quietlist's is involved in making it.
fn new_key(form: KeyForm, dir: &Path) -> TestKey {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let path = dir.join(format!("{form:?}.pem"));
    let path_str = path.to_str().unwrap();
    match form {
        KeyForm::RsaPkcs1 => {
            openssl(&["genrsa", "-traditional", "-out", path_str, "2048"]);
        }
        KeyForm::RsaPkcs8 => {
            openssl(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                path_str,
            ]);
        }
        KeyForm::Ed25519Pkcs8 | KeyForm::Ed25519Raw => {
            openssl(&["genpkey", "-algorithm", "ed25519", "-out", path_str]);
        }
    }
    let pem = std::fs::read_to_string(&path).unwrap();
    let spki = openssl(&["pkey", "-in", path_str, "-pubout", "-outform", "DER"]);
    match form {
        KeyForm::RsaPkcs1 => assert!(pem.contains("BEGIN RSA PRIVATE KEY"), "{pem}"),
        _ => assert!(pem.contains("BEGIN PRIVATE KEY"), "{pem}"),
    }
    match form {
        KeyForm::RsaPkcs1 | KeyForm::RsaPkcs8 => TestKey {
            private: pem,
            record: format!("v=DKIM1; k=rsa; p={}", b64.encode(&spki)),
        },
        KeyForm::Ed25519Pkcs8 | KeyForm::Ed25519Raw => {
            // RFC 8463: p= is the bare 32-byte public key (the end of the SPKI).
            let public = &spki[spki.len() - 32..];
            let record = format!("v=DKIM1; k=ed25519; p={}", b64.encode(public));
            let private = match form {
                KeyForm::Ed25519Raw => {
                    // The seed is the last 32 bytes of the 48-byte PKCS#8 DER.
                    let der = openssl(&["pkey", "-in", path_str, "-outform", "DER"]);
                    assert_eq!(der.len(), 48);
                    b64.encode(&der[16..])
                }
                _ => pem,
            };
            TestKey { private, record }
        }
    }
}

/// What dkimpy says of `mail` with `record` published for SELECTOR at `domain`.
fn dkimpy(mail: &ReceivedMail, selector: &str, domain: &str, record: &str) -> (bool, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/dkim_verify.py");
    // Debian's python, which has python3-dkim, whatever python3 is first on the PATH.
    let mut child = Command::new("/usr/bin/python3")
        .arg(&script)
        .args([selector, domain, record])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 runs (Debian packages python3 and python3-dkim)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(mail.data.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// One of every kind of mail the app sends, as the SMTP server received them:
/// confirmation, welcome, manage link, invitation.
pub(crate) async fn one_of_each_kind(
    app: &TestApp,
    email: &str,
) -> Vec<(&'static str, ReceivedMail)> {
    app.sign_up_and_confirm(email).await;
    let confirmation = mail_with_subject(app, email, "Confirm your place").await;
    let welcome = mail_with_subject(app, email, "You are on the waitlist").await;
    let asked = app
        .client
        .post(app.url("/manage"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 200);
    let access = mail_with_subject(app, email, "manage your data").await;
    let invited = quietlist_command_on(&app.data_dir)
        .args(["invite", LIST, "--next", "1"])
        .output()
        .unwrap();
    assert!(
        invited.status.success(),
        "{}",
        String::from_utf8_lossy(&invited.stderr)
    );
    let invite = mail_with_subject(app, email, "A seat is open").await;
    vec![
        ("confirmation", confirmation),
        ("welcome", welcome),
        ("manage link", access),
        ("invitation", invite),
    ]
}

async fn every_kind_of_mail_verifies_with(form: KeyForm) {
    let dir = tempfile::tempdir().unwrap();
    let key = new_key(form, dir.path());
    let app = spawn_app_with(|c| {
        c.mail_from = Some(FROM.into());
        c.dkim = Some(quietlist::config::DkimSettings {
            key_pem: secrecy::SecretString::from(key.private.clone()),
            selector: SELECTOR.into(),
        });
    })
    .await;
    let mails = one_of_each_kind(&app, "verify-me@example.com").await;
    let mut failures = Vec::new();
    for (kind, mail) in &mails {
        let (ok, said) = dkimpy(mail, SELECTOR, FROM_DOMAIN, &key.record);
        if !ok {
            failures.push(format!("{kind}: {said}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{form:?}: {} of {} mails do not verify with dkimpy:\n{}",
        failures.len(),
        mails.len(),
        failures.join("\n")
    );
    // The check has teeth: the same mail with one signed header changed fails.
    let (_, welcome) = &mails[1];
    let mut forged = welcome.clone();
    forged.data = forged
        .data
        .replacen("Subject: You are on", "Subject: You were on", 1);
    assert_ne!(forged.data, welcome.data);
    let (ok, said) = dkimpy(&forged, SELECTOR, FROM_DOMAIN, &key.record);
    assert!(!ok, "a changed Subject still verified: {said}");
}

#[tokio::test]
async fn every_kind_of_mail_signed_with_a_pkcs1_rsa_key_verifies_with_dkimpy() {
    every_kind_of_mail_verifies_with(KeyForm::RsaPkcs1).await;
}

#[tokio::test]
async fn every_kind_of_mail_signed_with_a_pkcs8_rsa_key_verifies_with_dkimpy() {
    every_kind_of_mail_verifies_with(KeyForm::RsaPkcs8).await;
}

#[tokio::test]
async fn every_kind_of_mail_signed_with_a_pkcs8_ed25519_key_verifies_with_dkimpy() {
    every_kind_of_mail_verifies_with(KeyForm::Ed25519Pkcs8).await;
}

#[tokio::test]
async fn every_kind_of_mail_signed_with_a_base64_ed25519_key_verifies_with_dkimpy() {
    every_kind_of_mail_verifies_with(KeyForm::Ed25519Raw).await;
}

#[tokio::test]
async fn the_message_id_and_the_signing_domain_are_the_from_domain() {
    let dir = tempfile::tempdir().unwrap();
    let key = new_key(KeyForm::Ed25519Raw, dir.path());
    let app = spawn_app_with(|c| {
        c.mail_from = Some(FROM.into());
        c.dkim = Some(quietlist::config::DkimSettings {
            key_pem: secrecy::SecretString::from(key.private.clone()),
            selector: SELECTOR.into(),
        });
    })
    .await;
    app.sign_up("message-id@example.com").await;
    let mail = app.mail_to("message-id@example.com").await;
    let id = header(&mail, "Message-ID").expect("a Message-ID");
    assert!(
        id.ends_with(&format!("@{FROM_DOMAIN}>")),
        "Message-ID {id} is not on the From domain {FROM_DOMAIN}"
    );
    let signature: String = header(&mail, "DKIM-Signature")
        .expect("a DKIM-Signature")
        .split_whitespace()
        .collect();
    assert!(
        signature.contains(&format!("d={FROM_DOMAIN};")),
        "{signature}"
    );
}

/// The TXT record in `dkim keygen`'s output: the quoted strings of its zone-file line,
/// joined as DNS joins them.
fn printed_record(stdout: &str, selector: &str, domain: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{selector}._domainkey.{domain} IN TXT ")))
        .unwrap_or_else(|| panic!("no TXT record line in:\n{stdout}"));
    line.split('"').skip(1).step_by(2).collect()
}

#[tokio::test]
async fn a_key_from_dkim_keygen_signs_mail_that_verifies_against_the_record_it_printed() {
    use std::os::unix::fs::PermissionsExt;
    for algorithm in ["rsa", "ed25519"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dkim.key");
        let keygen = || {
            quietlist_command()
                .args(["dkim", "keygen", "--algorithm", algorithm])
                .args(["--selector", "kg1", "--domain", FROM_DOMAIN, "--out"])
                .arg(&path)
                .output()
                .unwrap()
        };
        let out = keygen();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let record = printed_record(&stdout, "kg1", FROM_DOMAIN);
        assert!(
            record.starts_with(&format!("v=DKIM1; k={algorithm}; p=")),
            "{record}"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{algorithm} key file mode {mode:o}");
        let private = std::fs::read_to_string(&path).unwrap();
        // openssl, not quietlist, says what the file holds.
        let described = String::from_utf8(openssl(&[
            "pkey",
            "-in",
            path.to_str().unwrap(),
            "-noout",
            "-text",
        ]))
        .unwrap();
        let expected = match algorithm {
            "rsa" => "Private-Key: (2048 bit",
            _ => "ED25519 Private-Key",
        };
        assert!(described.contains(expected), "{described}");

        let again = keygen();
        assert!(!again.status.success(), "an existing key was overwritten");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), private);

        let app = spawn_app_with(|c| {
            c.mail_from = Some(FROM.into());
            c.dkim = Some(quietlist::config::DkimSettings {
                key_pem: secrecy::SecretString::from(private.clone()),
                selector: "kg1".into(),
            });
        })
        .await;
        app.sign_up_and_confirm("keygen@example.com").await;
        let confirmation = mail_with_subject(&app, "keygen@example.com", "Confirm").await;
        let welcome = mail_with_subject(&app, "keygen@example.com", "You are on").await;
        for mail in [confirmation, welcome] {
            let (ok, said) = dkimpy(&mail, "kg1", FROM_DOMAIN, &record);
            assert!(ok, "{algorithm}: {said}");
        }
    }
}

#[tokio::test]
async fn a_dkim_key_that_cannot_sign_is_refused_at_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.pem");
    openssl(&["genrsa", "-out", short.to_str().unwrap(), "512"]);
    let cases = [
        ("not a key".to_owned(), "ql", "QUIETLIST_DKIM_KEY"),
        (std::fs::read_to_string(&short).unwrap(), "ql", "512 bits"),
        (
            new_key(KeyForm::Ed25519Raw, dir.path()).private,
            "bad selector;",
            "QUIETLIST_DKIM_SELECTOR",
        ),
    ];
    for (key, selector, expected) in cases {
        let mut config = quietlist::config::Config::new(dir.path().join("data"));
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.dkim = Some(quietlist::config::DkimSettings {
            key_pem: secrecy::SecretString::from(key),
            selector: selector.into(),
        });
        let error = match quietlist::startup::Application::build(config).await {
            Ok(_) => panic!("started with a DKIM key that cannot sign ({expected})"),
            Err(e) => format!("{e:#}"),
        };
        assert!(error.contains(expected), "{expected}: {error}");
        assert!(
            !error.contains("PRIVATE KEY-----"),
            "the key is in the error: {error}"
        );
    }
}
