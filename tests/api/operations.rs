//! Running it: the site folder re-rendered on change, rate limits, mail paused.

use std::time::Duration;

use crate::helpers::*;

#[tokio::test]
async fn a_changed_site_folder_is_rendered_again_and_a_broken_edit_keeps_the_last_good_site() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    // Production (an https origin): a broken edit keeps the last good site. Development
    // shows the problems instead (tests/api/authoring.rs).
    let app = spawn_app_with(|c| {
        c.site_dir = Some(site.path().to_path_buf());
        c.base_url = Some("https://reports.example.org".into());
    })
    .await;
    let before = app.get(REPORT).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();

    let report = site.path().join("reports/ketamine-rapid-antidepressant.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        format!("{text}\n\nAn added closing line for the reload test.\n"),
    )
    .unwrap();
    let mut changed = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let html = app.get_text(REPORT).await;
        if html.contains("An added closing line for the reload test.") {
            changed = true;
            break;
        }
    }
    assert!(changed, "the edit was not published within 6 s");
    assert_ne!(
        app.get(REPORT).await.headers()["etag"].to_str().unwrap(),
        etag
    );

    std::fs::write(&report, "+++\ntitel = \"broken\"\n+++\n").unwrap();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let still = app.get(REPORT).await;
    assert_eq!(
        still.status().as_u16(),
        200,
        "a broken edit must not take the page down"
    );
    assert!(
        still
            .text()
            .await
            .unwrap()
            .contains("An added closing line")
    );
}

#[tokio::test]
async fn a_client_flooding_the_form_gets_429_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.signup.network.burst = 3;
        c.limits.signup.network.per_second = 1.0 / 60.0;
    })
    .await;
    for i in 0..3 {
        let response = app
            .post_signup_form(LIST, &[("email", &format!("flood{i}@example.com"))])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let refused = app
        .post_signup_form(LIST, &[("email", "flood9@example.com")])
        .await;
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let json = app
        .post_signup_json(LIST, &serde_json::json!({ "email": "flood9@example.com" }))
        .await;
    assert_eq!(json.status().as_u16(), 429);
    let body: serde_json::Value = json.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Too many")
    );
}

#[tokio::test]
async fn with_rate_limits_off_the_same_client_is_not_refused() {
    let app = spawn_app_with(|c| {
        c.rate_limit = false;
        c.limits.signup.network.burst = 1;
    })
    .await;
    for i in 0..5 {
        let response = app
            .post_signup_form(LIST, &[("email", &format!("bench{i}@example.com"))])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
}

#[tokio::test]
async fn with_mail_paused_signups_are_kept_and_nothing_is_sent() {
    let app = spawn_app_with(|c| c.send_mail = false).await;
    app.sign_up("paused@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.smtp().mails().is_empty());
    assert_eq!(
        app.status_of("paused@example.com").as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn the_load_balancer_sees_a_live_and_ready_node() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[test]
fn a_database_url_with_an_unknown_scheme_stops_the_start_and_keeps_its_password_secret() {
    let data = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_quietlist"))
        .arg("serve")
        .env("QUIETLIST_DATA_DIR", data.path())
        .env("QUIETLIST_DATABASE_URL", "mysql://root:hunter2@db/q")
        .env("QUIETLIST_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started with a mysql:// URL");
    assert!(stderr.contains("sqlite:// or postgres://"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the password was printed: {stderr}"
    );
}

#[test]
fn a_sqlite_url_puts_the_database_where_it_names() {
    let data = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("chosen.sqlite3");
    let url = format!("sqlite://{}", file.display());
    let node = RunningBinary::start(data.path(), &[("QUIETLIST_DATABASE_URL", url.as_str())]);
    assert!(file.exists(), "no database at {}", file.display());
    assert!(
        !data.path().join("quietlist.sqlite3").exists(),
        "the database went to the data directory instead"
    );
    drop(node);
}

/// The deployment files the README shows are the files in deploy/, word for word.
#[test]
fn the_readme_shows_the_deployment_files_as_they_are() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for (file, fence) in [
        ("deploy/quietlist.service", "```ini\n"),
        ("deploy/nginx.conf", "```nginx\n"),
        ("deploy/Caddyfile", "```\n"),
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            readme.contains(&format!("{fence}{text}```")),
            "README does not show {file} as it is"
        );
    }
}

/// systemd accepts the unit (syntax, options, sandboxing directives), where it is
/// installed.
#[test]
fn systemd_accepts_the_unit_file() {
    let Ok(status) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed: the unit file was not checked");
        return;
    };
    assert!(status.status.success());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("deploy/quietlist.service")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quietlist.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/quietlist", env!("CARGO_BIN_EXE_quietlist")),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
}
