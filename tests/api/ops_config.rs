//! `quietlist config check`: every setting and the site folder, secrets masked, each
//! problem named.

use crate::helpers::*;

const KEY: &str = "0202020202020202020202020202020202020202020202020202020202020202";

#[test]
fn a_sound_configuration_is_printed_with_its_secrets_masked() {
    let data = tempfile::tempdir().unwrap();
    let output = quietlist_command_on(data.path())
        .args(["config", "check", "--metrics-listen", "127.0.0.1:9464"])
        .env(
            "QUIETLIST_SMTP_URL",
            "smtp://mailer:hunter2@127.0.0.1:2525?tls=required",
        )
        .env("QUIETLIST_SECRET_KEY", KEY)
        .env("QUIETLIST_BASE_URL", "https://waitlist.example.org")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("no problems found"), "{stdout}");
    assert!(
        stdout.contains("smtp://mailer:***@127.0.0.1:2525?tls=required"),
        "{stdout}"
    );
    assert!(stdout.contains("127.0.0.1:9464"), "{stdout}");
    assert!(stdout.contains("https://waitlist.example.org"), "{stdout}");
    assert!(
        stdout.contains("pilot-course"),
        "the site's lists: {stdout}"
    );
    for secret in ["hunter2", KEY] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} shown"
        );
    }
    assert!(
        !data.path().join("quietlist.sqlite3").exists(),
        "a check must not create the database"
    );
}

#[test]
fn every_problem_is_named_and_the_check_exits_1() {
    let data = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::write(site.path().join("site.toml"), "this is [not toml").unwrap();
    let output = quietlist_command_on(data.path())
        .args(["config", "check"])
        .env("QUIETLIST_SITE_DIR", site.path())
        .env("QUIETLIST_DATABASE_URL", "mysql://root:s3cret@db/q")
        .env("QUIETLIST_LIMIT_SIGNUP", "burst=banana")
        .env("QUIETLIST_MAIL_FROM", "not a mailbox")
        .env("QUIETLIST_SECRET_KEY", "too-short")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    for named in [
        "QUIETLIST_LIMIT_SIGNUP",
        "QUIETLIST_DATABASE_URL",
        "QUIETLIST_MAIL_FROM",
        "QUIETLIST_SECRET_KEY",
        "QUIETLIST_SITE_DIR",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("  - ") && l.contains(named)),
            "{named} not named among the problems:\n{stdout}"
        );
    }
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
}
