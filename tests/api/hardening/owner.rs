//! `admin add` on an existing account sets its password, so it must end its sessions as
//! `admin passwd` does.

use std::io::Write;

use crate::helpers::*;
use crate::owner::{OWNER, browser, login_with};

fn admin_add(app: &TestApp, password: &str) {
    let mut child = quietlist_command_on(&app.data_dir)
        .args(["admin", "add", OWNER, "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn sign_in(app: &TestApp, password: &str) -> reqwest::Client {
    let client = browser();
    let response = login_with(app, &client, password).await;
    assert_eq!(response.status().as_u16(), 303, "sign-in");
    client
}

#[tokio::test]
async fn admin_add_on_an_existing_account_ends_its_sessions() {
    let app = spawn_app().await;
    admin_add(&app, "the first long passphrase");
    let old = sign_in(&app, "the first long passphrase").await;
    let dashboard = old.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(dashboard.status().as_u16(), 200, "signed in");

    admin_add(&app, "a second long passphrase");
    let after = old.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(
        after.status().as_u16(),
        303,
        "the session from before the new password still works"
    );
    assert_eq!(after.headers()["location"], "/admin/login");
    // The new password works.
    let new = sign_in(&app, "a second long passphrase").await;
    let dashboard = new.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(dashboard.status().as_u16(), 200);
}
