//! `quietlist config check`: every setting parsed as `serve` parses it, the site folder
//! built as `serve` builds it, and the effective configuration printed with its secrets
//! masked. Exits non-zero naming each problem.

use std::fmt::Write as _;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::{Cli, ServeArgs};
use crate::config::Config;
use crate::mail::Transport;
use crate::privacy::MasterKey;
use crate::privacy::keys::KEY_FILE;
use crate::startup::{load_site, public_origin};

const MASK: &str = "***";

pub async fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let mut problems: Vec<String> = Vec::new();
    let config = match cli.config(Some(args)) {
        Ok(config) => config,
        Err(e) => {
            problems.push(format!("{e:#}"));
            // Check the rest against what could be read.
            let mut config = cli.config(None)?;
            config.listen = args.listen;
            config.metrics_listen = args.metrics_listen;
            config.base_url = args.base_url.clone();
            config.mail_from = args.mail_from.clone();
            config.smtp_url = args.smtp_url.clone().map(SecretString::from);
            config
        }
    };
    check_settings(&config, &mut problems).await;
    let site = match load_site(&config, &public_origin(&config, config.listen)) {
        Ok(published) => format!(
            "{} ({} waitlists: {})",
            config
                .site_dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "the built-in demo site".into()),
            published.site.waitlists.len(),
            published
                .site
                .waitlists
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(e) => {
            problems.push(format!("QUIETLIST_SITE_DIR: {e:#}"));
            "(could not be built)".into()
        }
    };
    print!("{}", effective(&config, &site));
    if problems.is_empty() {
        println!("\nno problems found");
        return Ok(());
    }
    println!("\n{} problem(s):", problems.len());
    for problem in &problems {
        println!("  - {problem}");
    }
    anyhow::bail!("{} problem(s) in the configuration", problems.len())
}

async fn check_settings(config: &Config, problems: &mut Vec<String>) {
    if let Err(e) = config.check_database_url() {
        problems.push(named("QUIETLIST_DATABASE_URL", &e));
    }
    if let Some(metrics) = config.metrics_listen
        && metrics == config.listen
    {
        problems.push(
            "QUIETLIST_METRICS_LISTEN: must differ from QUIETLIST_LISTEN (metrics are never served on the public port)".into(),
        );
    }
    if let Some(url) = &config.smtp_url
        && let Err(e) = Transport::smtp(url, config.smtp_connections)
    {
        problems.push(named("QUIETLIST_SMTP_URL", &format!("{e:#}")));
    }
    let base_url = public_origin(config, config.listen);
    if let Err(e) = crate::startup::mail_settings(config, &base_url) {
        problems.push(format!("mail settings: {e:#}"));
    }
    match &config.secret_key {
        Some(key) => {
            if let Err(e) = MasterKey::parse(key.expose_secret()) {
                problems.push(named("QUIETLIST_SECRET_KEY", &e));
            }
        }
        None => check_key_file(&config.data_dir.join(KEY_FILE), problems),
    }
    if let Some(file) = &config.abuse.disposable_file
        && let Err(e) = std::fs::read_to_string(file)
    {
        problems.push(format!(
            "QUIETLIST_DISPOSABLE_DOMAINS_FILE: {}: {e}",
            file.display()
        ));
    }
}

/// `name: message`, unless the message already starts with the name.
fn named(name: &str, message: &str) -> String {
    if message.starts_with(name) {
        message.to_owned()
    } else {
        format!("{name}: {message}")
    }
}

fn check_key_file(path: &Path, problems: &mut Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(text) = std::fs::read_to_string(path) else {
        return; // Made on the first start.
    };
    if let Err(e) = MasterKey::parse(&text) {
        problems.push(format!("{}: {e}", path.display()));
    }
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        problems.push(format!(
            "{}: readable or writable by other users; run chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
}

/// A URL with its password replaced by `***`; a URL that does not parse is masked whole.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some(MASK));
            }
            // libpq also takes `?password=` (and `sslpassword=`) in the query.
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let secret = k.contains("password");
                    (
                        k.into_owned(),
                        if secret {
                            MASK.to_owned()
                        } else {
                            v.into_owned()
                        },
                    )
                })
                .collect();
            if !pairs.is_empty() {
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
            url.to_string()
        }
        Err(_) => MASK.into(),
    }
}

fn effective(config: &Config, site: &str) -> String {
    let mut out = String::from("effective configuration (secrets masked):\n");
    let mut line = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<36} {value}");
    };
    let or = |v: Option<String>, default: &str| v.unwrap_or_else(|| default.to_owned());
    let days = |ms: i64| format!("{} days", ms / crate::store::DAY);
    let hours = |ms: i64| format!("{} hours", ms / crate::store::HOUR);
    line("QUIETLIST_LISTEN", config.listen.to_string());
    line(
        "QUIETLIST_METRICS_LISTEN",
        or(config.metrics_listen.map(|a| a.to_string()), "off"),
    );
    line(
        "QUIETLIST_BASE_URL",
        or(
            config.base_url.clone(),
            &format!("unset: {}", public_origin(config, config.listen)),
        ),
    );
    line(
        "QUIETLIST_DEV",
        if config.dev {
            "on: broken site edits shown in the browser".to_owned()
        } else if config.development(&public_origin(config, config.listen)) {
            "off, but the base URL is loopback: broken site edits shown in the browser".to_owned()
        } else {
            "off: readers keep the last good site after a broken edit".to_owned()
        },
    );
    line("QUIETLIST_DATA_DIR", config.data_dir.display().to_string());
    line(
        "QUIETLIST_DATABASE_URL",
        or(
            config
                .database
                .url
                .as_ref()
                .map(|u| mask_url(u.expose_secret())),
            "unset: SQLite in the data directory",
        ),
    );
    line(
        "QUIETLIST_SECRET_KEY",
        match &config.secret_key {
            Some(_) => MASK.into(),
            None => format!(
                "unset: the key file {}",
                config.data_dir.join(KEY_FILE).display()
            ),
        },
    );
    line(
        "QUIETLIST_SMTP_URL",
        or(
            config
                .smtp_url
                .as_ref()
                .map(|u| mask_url(u.expose_secret())),
            "unset: mail kept in the development mailbox",
        ),
    );
    line(
        "QUIETLIST_SMTP_CONNECTIONS",
        config.smtp_connections.to_string(),
    );
    line(
        "QUIETLIST_MAIL_FROM",
        or(
            config.mail_from.clone(),
            "unset: waitlist@ the base URL's host",
        ),
    );
    line(
        "QUIETLIST_DKIM_SELECTOR / _KEY",
        or(
            config
                .dkim
                .as_ref()
                .map(|d| format!("{} (key {MASK})", d.selector)),
            "off",
        ),
    );
    line("QUIETLIST_SITE_DIR", site.to_owned());
    line("QUIETLIST_SEND_MAIL", on_off(config.send_mail));
    line("QUIETLIST_SEND_RATE", format!("{}/s", config.send_rate));
    line(
        "QUIETLIST_MAIL_CAP",
        format!("{} in 30 days", config.mail_cap),
    );
    line(
        "QUIETLIST_CONFIRMATION_INTERVAL_HOURS",
        hours(config.confirmation_interval),
    );
    line("QUIETLIST_RATE_LIMIT", on_off(config.rate_limit));
    line("QUIETLIST_LIMIT_*", format!("{:?}", config.limits));
    line("QUIETLIST_TRUST_PROXY", on_off(config.trust_proxy));
    line("QUIETLIST_CLIENT_IP", format!("{:?}", config.client_ip));
    line(
        "QUIETLIST_FORM_MIN_SECONDS",
        config.abuse.form_min_seconds.to_string(),
    );
    line("QUIETLIST_POW", on_off(config.abuse.pow));
    line(
        "QUIETLIST_MAX_CONNECTIONS",
        config.max_connections.to_string(),
    );
    line(
        "QUIETLIST_REQUEST_TIMEOUT_SECONDS",
        config.request_timeout.as_secs().to_string(),
    );
    line(
        "QUIETLIST_REFERRAL_BOOST",
        config.referral_boost.to_string(),
    );
    line("QUIETLIST_INVITE_DAYS", days(config.invite_ttl));
    line(
        "QUIETLIST_RETENTION_PENDING_DAYS",
        days(config.retention.pending),
    );
    line(
        "QUIETLIST_RETENTION_MAIL_DAYS",
        days(config.retention.mail_history),
    );
    line(
        "QUIETLIST_RETENTION_CONSENT_DAYS",
        days(config.retention.consent_after_erasure),
    );
    line(
        "QUIETLIST_DURABILITY",
        format!("{:?}", config.database.sqlite.durability),
    );
    out
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.into()
}

#[cfg(test)]
mod tests {
    use super::mask_url;

    #[test]
    fn a_password_in_the_user_part_or_the_query_is_masked() {
        let masked =
            mask_url("postgres://u:pw1@h/db?password=s3cret&sslpassword=k3y&sslmode=require");
        assert!(!masked.contains("pw1"), "{masked}");
        assert!(!masked.contains("s3cret"), "{masked}");
        assert!(!masked.contains("k3y"), "{masked}");
        assert!(masked.contains("sslmode=require"), "{masked}");
    }
}
