//! The bodies of the fuzz targets in `fuzz/`, kept in the library so that the ordinary
//! test run (`tests/fuzz_corpus.rs`) replays every committed corpus file through exactly
//! the code libFuzzer drives, on machines without cargo-fuzz.
//!
//! Each function takes the fuzzer's bytes and panics when a property fails: that is how
//! a fuzz target reports a finding, hence the lints allowed here and nowhere else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;
use lettre::message::Mailbox;

use crate::domain::{EmailAddress, PersonName, Token};
use crate::mail::MailSettings;
use crate::mail::compose::compose;
use crate::privacy::{MasterKey, Vault};
use crate::publish::markdown;
use crate::publish::{PublishOptions, Published, Site, SiteFiles};
use crate::store::sqlite::{Durability, SqliteOptions, SqliteStore};
use crate::store::{MailJob, MailKind, Store};
use crate::waitlist::import::ImportOptions;
use crate::waitlist::{IpRecording, RawSignup, SignupError, WaitlistPolicy, Waitlists};

/// The demo site's list, which has a custom select field (`role`).
const LIST: &str = "pilot-course";

/// What the targets share: built once per process, since a fuzzer calls a target
/// thousands of times a second.
struct World {
    runtime: tokio::runtime::Runtime,
    waitlists: Waitlists,
    vault: Arc<Vault>,
    /// The site mail is composed from; the target changes the list's title in place.
    mail_site: Mutex<Published>,
    _data: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let data = tempfile::tempdir().expect("a temporary folder");
        let store = SqliteStore::open(
            data.path(),
            &SqliteOptions {
                durability: Durability::Normal,
                ..SqliteOptions::default()
            },
        )
        .expect("a database");
        let store: Arc<dyn Store> = store;
        let vault = Arc::new(Vault::new(&MasterKey::from_bytes([7; 32])).expect("a vault"));
        let published = || {
            Published::build(
                Site::load(&SiteFiles::demo()).expect("the demo site"),
                &PublishOptions {
                    base_url: "https://example.org".into(),
                },
            )
            .expect("the demo site renders")
        };
        let waitlists = Waitlists {
            store,
            vault: vault.clone(),
            site: Arc::new(ArcSwap::from_pointee(published())),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            readiness: Default::default(),
            policy: WaitlistPolicy {
                confirmation_interval: 24 * 3_600_000,
                confirm_link_ttl: 48 * 3_600_000,
                manage_link_ttl: 30 * 24 * 3_600_000,
                referral_boost: 5,
                invite_ttl: 7 * 24 * 3_600_000,
                mail_cap: 4,
                mail_cap_window: 30 * 24 * 3_600_000,
                ip_recording: IpRecording::Truncated,
                unsafe_ack_before_commit: false,
            },
        };
        World {
            runtime,
            waitlists,
            vault,
            mail_site: Mutex::new(published()),
            _data: data,
        }
    })
}

// --- the address parser --------------------------------------------------------------

/// `EmailAddress::parse` against an independent reading of its documented rules, plus:
/// an accepted address re-parses to itself, is what lettre will send to, and never shows
/// in `Debug`.
pub fn email(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let parsed = EmailAddress::parse(&input);
    let expected = expected_address(&input);
    assert_eq!(
        parsed.as_ref().ok().map(EmailAddress::as_str),
        expected.as_deref(),
        "the parser and the rules disagree on {input:?}"
    );
    let Ok(address) = parsed else { return };
    let again = EmailAddress::parse(address.as_str()).expect("an accepted address re-parses");
    assert_eq!(again, address, "re-parsing changed {input:?}");
    assert!(address.as_str().len() <= 254);
    assert!(
        address
            .as_str()
            .ends_with(&format!("@{}", address.domain())),
        "domain() is the part after the last @"
    );
    // The worker hands the address to lettre; one we accept but it refuses would be a
    // person who can never get their confirmation.
    let for_smtp: Result<lettre::Address, _> = address.as_str().parse();
    assert!(
        for_smtp.is_ok(),
        "lettre refuses an accepted address {input:?}"
    );
    assert!(!format!("{address:?}").contains(address.as_str()));
}

/// The rules `EmailAddress::parse` documents, written again without looking at its code:
/// trimmed, at most 254 bytes, a dot-atom local part of 1-64 characters, a domain of two
/// or more LDH labels of 1-63 characters whose last is 2+ letters or an `xn--` label.
fn expected_address(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() || s.len() > 254 {
        return None;
    }
    let at = s.rfind('@')?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld = labels.last().copied().unwrap_or("");
    let tld_ok =
        tld.len() >= 2 && (tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--"));
    (local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok)
        .then(|| s.to_ascii_lowercase())
}

// --- signup bodies -------------------------------------------------------------------

/// A signup body as the HTTP layer decodes it (the first byte picks form or JSON), then
/// parsed as the signup use case parses it. A refusal always names a field the form has,
/// with a 4xx; nothing else may go wrong.
pub fn signup(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let fields = if selector % 2 == 0 {
        let Ok(fields) = crate::http::form_fields(body) else {
            // A field sent twice is refused (422 naming it): nothing else to check.
            return;
        };
        // What the form decoder reads, encoded again, reads back the same.
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        assert_eq!(
            crate::http::form_fields(encoded.as_bytes()),
            Ok(fields.clone())
        );
        fields
    } else {
        match crate::http::json_fields(body) {
            Ok(fields) => {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(body).expect("accepted JSON is an object");
                let strings = object.values().filter(|v| !v.is_null()).count();
                assert_eq!(fields.len(), strings, "every string value is kept, once");
                for (key, value) in &fields {
                    assert_eq!(object.get(key).and_then(|v| v.as_str()), Some(&**value));
                }
                fields
            }
            Err((status, field, message)) => {
                assert!(
                    status.as_u16() == 400 || status.as_u16() == 422,
                    "JSON refused with {status}"
                );
                assert!(!field.is_empty() && !message.is_empty());
                return;
            }
        }
    };
    let raw = RawSignup {
        fields,
        client_ip: None,
    };
    let w = world();
    match w.waitlists.prepare_signup(LIST, &raw, 1_800_000_000_000) {
        Ok(Some(signup)) => {
            let email = raw.get("email").unwrap_or("");
            let address = EmailAddress::parse(email).expect("an accepted signup has an address");
            assert_eq!(signup.email_index, w.vault.email_index(&address));
            let name = PersonName::parse(raw.get("name").unwrap_or("")).expect("a valid name");
            assert_eq!(signup.name_sealed.is_some(), name.is_some());
            assert!(
                ["api", "unknown", "waitlist:pilot-course"].contains(&&*signup.consent.form)
                    || signup.consent.form.starts_with("report:")
                    || signup.consent.form.starts_with("course:")
            );
        }
        Ok(None) => assert!(raw.get("website").is_some_and(|v| !v.trim().is_empty())),
        Err(SignupError::Invalid { field, message, .. }) => {
            assert!(
                ["email", "name", "role", "stage"].contains(&field.as_str()),
                "refused naming {field:?}, which the form does not have"
            );
            assert!(!message.is_empty());
        }
        Err(e) => panic!("a signup body caused {e:#}"),
    }
}

// --- Markdown and front matter -------------------------------------------------------

/// Tags pulldown-cmark writes for the options we turn on. Anything else in the output
/// came from the author's text, which must be shown, never run.
const TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "span",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];
const ATTRIBUTES: &[&str] = &[
    "alt",
    "aria-hidden",
    "aria-label",
    "class",
    "decoding",
    "height",
    "href",
    "id",
    "loading",
    "src",
    "start",
    "style",
    "title",
    "width",
];

/// A Markdown page body: rendered HTML has only the tags and attributes Markdown makes,
/// never a `<script` or an event handler from the text.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(rendered) = markdown::render(&text) else {
        return;
    };
    check_html(&rendered.html);
    for entry in &rendered.toc {
        assert!(!entry.id.is_empty());
    }
}

/// Scans `html` as a browser's tokenizer would see tags: `<` then a letter or `/`.
fn check_html(html: &str) {
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "a script tag came through: {html}"
    );
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let start = i + offset + 1;
        i = start;
        let name_at = if html[start..].starts_with('/') {
            start + 1
        } else {
            start
        };
        let rest = &html[name_at..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        assert!(
            TAGS.contains(&name.to_ascii_lowercase().as_str()),
            "tag <{name}> in {html}"
        );
        // The attributes, up to the end of the tag, outside quoted values.
        let mut j = name_at + name.len();
        let mut quote = None;
        let mut attribute = String::new();
        while j < bytes.len() {
            let c = bytes[j];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c == b'>' => break,
                None if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' => {
                    attribute.push(char::from(c))
                }
                None => {
                    if !attribute.is_empty() {
                        assert!(
                            ATTRIBUTES.contains(&attribute.to_ascii_lowercase().as_str()),
                            "attribute {attribute:?} on <{name}> in {html}"
                        );
                        attribute.clear();
                    }
                }
            }
            j += 1;
        }
        assert!(
            attribute.is_empty() || ATTRIBUTES.contains(&attribute.to_ascii_lowercase().as_str()),
            "attribute {attribute:?} on <{name}> in {html}"
        );
    }
}

/// A whole report file (front matter and Markdown) loaded into the demo site: it loads,
/// or the error names the file; a loaded page's HTML passes the Markdown checks.
pub fn site_page(data: &[u8]) {
    let mut files: BTreeMap<PathBuf, Vec<u8>> = SiteFiles::demo().files;
    files.insert(PathBuf::from("reports/fuzzed.md"), data.to_vec());
    let source = SiteFiles {
        origin: "the fuzz target".into(),
        files,
    };
    match Site::load(&source) {
        Ok(site) => {
            if let Some(page) = site.pages.iter().find(|p| p.slug.as_str() == "fuzzed") {
                check_html(&page.html);
                assert_eq!(page.url, "/reports/fuzzed");
            }
        }
        Err(e) => {
            let message = format!("{e:#}");
            assert!(
                message.contains("reports/fuzzed.md"),
                "the error does not name the file: {message}"
            );
        }
    }
}

// --- CSV import ----------------------------------------------------------------------

/// A CSV file through the real import (the first byte says whether with consent proof):
/// never an error past the header row, and every row read is accounted for once.
pub fn csv_import(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let w = world();
    let options = ImportOptions {
        with_consent: selector % 2 == 1,
        source: "fuzz.csv".into(),
        actor: crate::privacy::audit::Actor::CommandLine {
            user: "fuzz".into(),
        },
    };
    let result = w.runtime.block_on(w.waitlists.import_csv(
        LIST,
        Cursor::new(body.to_vec()),
        &options,
        |_| {},
    ));
    let summary = match result {
        Ok(summary) => summary,
        Err(crate::waitlist::import::ImportError::BadFile(_)) => return,
        Err(e) => panic!("an import file caused {e:#}"),
    };
    let report = &summary.report;
    assert_eq!(
        summary.rows_read,
        report.added
            + report.already_there
            + report.suppressed
            + summary.rejected_total
            + summary.duplicates_in_file,
        "every row is added, found, suppressed, rejected or a duplicate: {summary:?}"
    );
    assert!(report.confirmed <= report.added);
    if !options.with_consent {
        assert_eq!(report.confirmed, 0);
    }
    let mut last_line = 1;
    for (line, reason) in &summary.rejected {
        assert!(*line > last_line && *line <= summary.rows_read + 1);
        last_line = *line;
        assert!(!reason.is_empty());
    }
}

// --- link tokens ---------------------------------------------------------------------

/// A token from a URL: accepted exactly when it is 43 base64url characters; its bytes
/// encode back to it; looking up its row or a share code never fails on any input.
pub fn token(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let parsed = Token::parse(&input);
    let well_formed = input.len() == 43
        && input
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    assert_eq!(parsed.is_ok(), well_formed, "{input:?}");
    let w = world();
    if let Ok(token) = parsed {
        assert_eq!(token.as_str(), input);
        if let Some(bytes) = token.to_bytes() {
            assert_eq!(Token::from_bytes(&bytes), token);
        }
        if let Some(id) = w.vault.token_id(&token) {
            assert!(id >= 0);
        }
    }
    if let Some(id) = w.vault.referral_id(input.trim()) {
        assert!(id > 0);
        assert_eq!(w.vault.referral_code(id), input.trim().to_ascii_lowercase());
    }
}

// --- mail composition ----------------------------------------------------------------

/// The parts of a mail an outsider or an owner's settings can put text into, split on NUL:
/// the list's title (in Subject and List-Id), the sender's display name, the recipient,
/// an invitation's cohort and start. For any of them, every kind of mail has exactly the
/// expected headers, once each, the sender and recipient it was given, and no injected line.
pub fn mail(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let mut parts = input.split('\0');
    let mut next = || parts.next().unwrap_or("").to_owned();
    let (title, from_name, to, cohort, starts, dkim) =
        (next(), next(), next(), next(), next(), next());
    let to = EmailAddress::parse(&to)
        .map(|a| a.as_str().to_owned())
        .unwrap_or_else(|_| "person@example.net".to_owned());
    // The sender is whatever QUIETLIST_MAIL_FROM parses to at start (a start with one
    // that does not parse is refused there): the name bare, or quoted.
    let from: Mailbox = format!("{from_name} <list@example.org>")
        .parse()
        .or_else(|_| format!("\"{from_name}\" <list@example.org>").parse())
        .unwrap_or_else(|_| "list@example.org".parse().expect("a mailbox"));
    let w = world();
    let settings = MailSettings {
        base_url: "https://example.org".into(),
        from,
        message_id_domain: "example.org".into(),
        dkim: (!dkim.is_empty()).then(dkim_config),
        cap: 4,
        referral_boost: 5,
        pending_days: 7,
    };
    let mut site = w.mail_site.lock().unwrap_or_else(|e| e.into_inner());
    site.site
        .waitlists
        .get_mut(LIST)
        .expect("the demo list")
        .settings
        .title = title.clone();
    for kind in MailKind::ALL {
        let purpose = match kind {
            MailKind::Confirmation => crate::domain::TokenPurpose::Confirm,
            MailKind::Welcome | MailKind::Access | MailKind::Announcement => {
                crate::domain::TokenPurpose::Manage
            }
            MailKind::Invite => crate::domain::TokenPurpose::Invite,
        };
        let job = MailJob {
            language: None,
            id: 1,
            kind,
            subscriber_id: 1,
            list: LIST.into(),
            email_sealed: Vec::new(),
            token: Some(crate::store::MailToken {
                purpose,
                id: 1,
                seed: vec![1; 16],
            }),
            attempts: 0,
            place_in_line: Some(1),
            invitation: Some(crate::store::InvitationMail {
                cohort: cohort.clone(),
                starts: Some(starts.clone()),
                expires_at: 1_800_000_000_000,
            }),
            announcement: Some(crate::store::AnnouncementMail {
                key: "id:fuzz".into(),
                subject: title.clone(),
                markdown: "there\nHello {{ name }}.".into(),
            }),
            name_sealed: None,
        };
        let recipient = Mailbox::new(None, to.parse().expect("an accepted address"));
        let composed = match compose(&settings, &site, &w.vault, &job, recipient) {
            Ok(composed) => composed,
            Err(e) => panic!("composing a {} mail failed: {e:#}", kind.as_str()),
        };
        let mut expected = vec![
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "MIME-Version",
            "Content-Type",
            "List-Id",
        ];
        if kind != MailKind::Confirmation {
            expected.extend(["List-Unsubscribe", "List-Unsubscribe-Post"]);
        }
        if settings.dkim.is_some() {
            expected.push("DKIM-Signature");
        }
        check_headers(
            &composed.message.bytes,
            &expected,
            &[("From", "list@example.org"), ("To", &to)],
        );
    }
}

fn dkim_config() -> crate::mail::dkim::Signer {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    let settings = crate::config::DkimSettings {
        selector: "fuzz".into(),
        key_pem: key.into(),
    };
    let from: Mailbox = "list@example.org".parse().expect("a mailbox");
    crate::mail::compose::dkim_config(&settings, &from).expect("an Ed25519 key")
}

/// Reads the header block of `mail` as a receiving server would: lines end in CRLF and
/// nowhere else, a line is a field (`Name: value`) or a continuation (starts with white
/// space). The field names must be `expected`, each once; `ends` names the address a field must carry.
fn check_headers(mail: &[u8], expected: &[&str], ends: &[(&str, &str)]) {
    let text = String::from_utf8_lossy(mail);
    let end = text.find("\r\n\r\n").expect("a header block");
    let block = &text[..end];
    for (i, c) in block.char_indices() {
        match c {
            '\r' => assert!(block[i..].starts_with("\r\n"), "a bare CR in {block}"),
            '\n' => assert!(block[..i].ends_with('\r'), "a bare LF in {block}"),
            _ => assert!(!c.is_control() || c == '\t', "{c:?} in {block}"),
        }
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in block.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let (_, value) = fields.last_mut().expect("a continuation follows a field");
            value.push_str(line);
        } else {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("a header line that is no field: {line:?}"));
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "a header name {name:?}"
            );
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    let mut names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    let mut want = expected.to_vec();
    want.sort_unstable();
    assert_eq!(names, want, "the header set of {block}");
    for (name, tail) in ends {
        let (_, value) = fields.iter().find(|(n, _)| n == name).expect("the header");
        let value = value.trim();
        assert!(
            value == *tail || value.ends_with(&format!("<{tail}>")),
            "{name} is {value:?}, not the address {tail:?}"
        );
    }
}

/// The path of a target's committed corpus, for the replay test.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// A fuzz target's body: the fuzzer's bytes in, a panic when a property fails.
pub type Target = fn(&[u8]);

/// Every target by name, for the replay test and the fuzz crate.
pub const TARGETS: &[(&str, Target)] = &[
    ("email", email),
    ("signup", signup),
    ("markdown", markdown),
    ("site_page", site_page),
    ("csv_import", csv_import),
    ("token", token),
    ("mail", mail),
];
