//! Roles of admin accounts: every admin route, walked as an editor and as a viewer, is
//! refused (403, audited) exactly where the table says; the pages offer only what the
//! role may do; a viewer never sees an address; roles are set and changed at the command
//! line, audited, and hold at once.

use std::collections::BTreeSet;

use crate::helpers::*;
use crate::owner::{add_owner, browser, cli, hidden, signed_in};

const PASSWORD: &str = "a long role passphrase";
pub const EDITOR: &str = "editor@example.org";
const VIEWER: &str = "viewer@example.org";
const WAITING: &str = "waiting@example.com";
const CONFIRMED: &str = "confirmed@example.com";

pub fn add_account(app: &TestApp, email: &str, role: &str) {
    let (ok, out, err) = cli(
        app,
        &["admin", "add", email, "--password-stdin", "--role", role],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("created {role} {email}")), "{out}");
}

pub async fn sign_in_as(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = browser();
    let form = client
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let login = client
        .post(app.url("/admin/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("csrf", &hidden(&form, "csrf")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303, "sign-in of {email}");
    let dashboard = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(dashboard.status().as_u16(), 200);
    let csrf = hidden(&dashboard.text().await.unwrap(), "csrf");
    (client, csrf)
}

/// Every `.route(...)` of the admin router, as (method, path): read from its source, so
/// that a route added without a row in [`expectations`] fails this test.
fn admin_routes_in_the_router() -> BTreeSet<(&'static str, String)> {
    // Every file of the admin adapter: a page may bring its own `routes()`.
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/admin");
    let source: String = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let mut routes = BTreeSet::new();
    for call in source.split(".route(").skip(1) {
        // The call ends at the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &call[..end];
        let path = call.split('"').nth(1).unwrap().to_owned();
        let handlers = &call[call.find(',').unwrap()..];
        for (method, marker) in [("GET", "get("), ("POST", "post(")] {
            if handlers.contains(marker) {
                routes.insert((method, path.clone()));
            }
        }
    }
    routes
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Allowed,
    Refused,
}
use Expect::*;

/// One request of the walk: the route it exercises, the concrete path, and what an
/// editor and a viewer get.
struct Row {
    method: &'static str,
    route: &'static str,
    path: String,
    editor: Expect,
    viewer: Expect,
}

fn expectations(person: &str) -> Vec<Row> {
    let row = |method, route, path: &str, editor, viewer| Row {
        method,
        route,
        path: path.to_owned(),
        editor,
        viewer,
    };
    let list = "/admin/lists/pilot-course";
    vec![
        row("GET", "/admin", "/admin", Allowed, Allowed),
        row("GET", "/admin/login", "/admin/login", Allowed, Allowed),
        row("GET", "/admin/lists/{list}", list, Allowed, Refused),
        row(
            "GET",
            "/admin/lists/{list}",
            &format!("{list}?find=waiting%40example.com"),
            Allowed,
            Refused,
        ),
        row(
            "GET",
            "/admin/lists/{list}/export.csv",
            &format!("{list}/export.csv"),
            Refused,
            Refused,
        ),
        row(
            "GET",
            "/admin/lists/{list}/announcements",
            &format!("{list}/announcements"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/announcements/steer",
            &format!("{list}/announcements/steer"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/announcements/publish",
            &format!("{list}/announcements/publish"),
            Allowed,
            Refused,
        ),
        row(
            "GET",
            "/admin/lists/{list}/announcements/new",
            &format!("{list}/announcements/new"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/announcements/new",
            &format!("{list}/announcements/new"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/import",
            &format!("{list}/import"),
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/invite",
            &format!("{list}/invite"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/lists/{list}/cohorts",
            &format!("{list}/cohorts"),
            Allowed,
            Refused,
        ),
        row("GET", "/admin/people/{id}", person, Allowed, Refused),
        row(
            "POST",
            "/admin/people/{id}/{action}",
            &format!("{person}/resend"),
            Allowed,
            Refused,
        ),
        row(
            "POST",
            "/admin/people/{id}/{action}",
            &format!("{person}/unsubscribe"),
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/people/{id}/{action}",
            &format!("{person}/erase"),
            Refused,
            Refused,
        ),
        // Webhooks are the owner's alone: they carry events (and maybe addresses) out.
        row(
            "GET",
            "/admin/webhooks",
            "/admin/webhooks",
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/webhooks",
            "/admin/webhooks",
            Refused,
            Refused,
        ),
        row(
            "GET",
            "/admin/webhooks/{id}",
            "/admin/webhooks/1",
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/webhooks/{id}/remove",
            "/admin/webhooks/1/remove",
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/webhooks/{id}/deliveries/{delivery}/replay",
            "/admin/webhooks/1/deliveries/1/replay",
            Refused,
            Refused,
        ),
        row(
            "GET",
            "/admin/api-keys",
            "/admin/api-keys",
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/api-keys",
            "/admin/api-keys",
            Refused,
            Refused,
        ),
        row(
            "POST",
            "/admin/api-keys/{name}/revoke",
            "/admin/api-keys/crm/revoke",
            Refused,
            Refused,
        ),
        // Last: it ends the session the walk uses.
        row("POST", "/admin/logout", "/admin/logout", Allowed, Allowed),
    ]
}

/// The sign-in form's own POST is the same for everyone (there is no session yet).
const NOT_WALKED: &[(&str, &str)] = &[("POST", "/admin/login")];

async fn send(app: &TestApp, client: &reqwest::Client, csrf: &str, row: &Row) -> (u16, String) {
    let url = app.url(&row.path);
    let request = if row.method == "GET" {
        client.get(url)
    } else if row.route.ends_with("/import") {
        client.post(url).multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.to_owned())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"email\nimported@example.com\n".to_vec())
                        .file_name("people.csv"),
                ),
        )
    } else {
        client.post(url).form(&[
            ("csrf", csrf),
            ("count", "1"),
            ("name", "later"),
            ("capacity", "3"),
            ("key", "id:nothing-yet"),
            ("action", "pause"),
            ("subject", "News"),
            ("body", "Hello."),
            ("to_confirmed", "yes"),
        ])
    };
    // The announcement form's own button is a field of its own: preview.
    let request = if row.route.ends_with("/announcements/new") && row.method == "POST" {
        client.post(app.url(&row.path)).form(&[
            ("csrf", csrf),
            ("subject", "News"),
            ("body", "Hello."),
            ("to_confirmed", "yes"),
            ("action", "preview"),
        ])
    } else {
        request
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn audit_lines(app: &TestApp) -> Vec<String> {
    let (ok, out, err) = cli(app, &["audit"], None);
    assert!(ok, "{err}");
    out.lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn every_admin_route_refuses_an_editor_and_a_viewer_exactly_where_the_table_says() {
    let app = spawn_app().await;
    add_owner(&app);
    add_account(&app, EDITOR, "editor");
    add_account(&app, VIEWER, "viewer");
    app.sign_up(WAITING).await;
    app.sign_up_and_confirm(CONFIRMED).await;
    let (owner, _) = signed_in(&app).await;
    let found = owner
        .get(app.url("/admin/lists/pilot-course?find=waiting%40example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status().as_u16(), 303);
    let person = found.headers()["location"].to_str().unwrap().to_owned();

    let table = expectations(&person);
    let walked: BTreeSet<(&str, String)> = table
        .iter()
        .map(|r| (r.method, r.route.to_owned()))
        .chain(NOT_WALKED.iter().map(|&(m, p)| (m, p.to_owned())))
        .collect();
    assert_eq!(
        walked,
        admin_routes_in_the_router(),
        "every admin route needs a row in the table (and no row may name a route that is gone)"
    );

    for (email, role) in [(EDITOR, "editor"), (VIEWER, "viewer")] {
        let (client, csrf) = sign_in_as(&app, email).await;
        let admin_id = audit_lines(&app)
            .await
            .iter()
            .find(|l| l.contains(&format!("new account with the role {role}")))
            .and_then(|l| l.split("admin:").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .expect("the new account's audit line");
        let mut refused = 0;
        for row in &table {
            let expected = if role == "editor" {
                row.editor
            } else {
                row.viewer
            };
            let (status, body) = send(&app, &client, &csrf, row).await;
            match expected {
                Refused => {
                    refused += 1;
                    assert_eq!(status, 403, "{role} {} {}: {body}", row.method, row.path);
                    assert!(
                        body.contains("may not"),
                        "{role} {}: the page says why: {body}",
                        row.path
                    );
                    assert!(!body.contains(WAITING) && !body.contains(CONFIRMED));
                }
                Allowed => {
                    assert!(
                        status != 403 && status < 500,
                        "{role} {} {}: {status} {body}",
                        row.method,
                        row.path
                    );
                }
            }
            if role == "viewer" {
                assert!(
                    !body.contains(WAITING) && !body.contains(CONFIRMED),
                    "a viewer saw an address at {}: {body}",
                    row.path
                );
            }
        }
        // Each refusal is in the audit log, under the account that tried.
        let refusals = audit_lines(&app)
            .await
            .into_iter()
            .filter(|l| l.contains(&format!("admin:{admin_id} ")) && l.contains("refused"))
            .count();
        assert_eq!(refusals, refused, "{role}'s refusals audited");
    }
    // Nothing refused happened: nobody unsubscribed or erased (the confirmed person was
    // invited by the editor, as editors may), nothing exported or imported.
    assert_eq!(app.status_of(WAITING).as_deref(), Some("pending"));
    assert_eq!(app.status_of(CONFIRMED).as_deref(), Some("invited"));
    assert_eq!(app.status_of("imported@example.com"), None);
    let (ok, json, _) = cli(&app, &["audit", "--json"], None);
    assert!(ok);
    // (status_of exports at the command line: only the web's accounts count here.)
    let by_accounts: Vec<String> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["actor"].as_str().unwrap().starts_with("admin:"))
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(!by_accounts.contains(&"export".to_owned()), "{json}");
    assert!(!by_accounts.contains(&"import".to_owned()), "{json}");
    app.stop().await;
}

#[tokio::test]
async fn the_pages_offer_each_role_only_what_it_may_do() {
    let app = spawn_app().await;
    add_owner(&app);
    add_account(&app, EDITOR, "editor");
    add_account(&app, VIEWER, "viewer");
    app.sign_up(WAITING).await;
    let (owner, _) = signed_in(&app).await;
    let found = owner
        .get(app.url("/admin/lists/pilot-course?find=waiting%40example.com"))
        .send()
        .await
        .unwrap();
    let person = found.headers()["location"].to_str().unwrap().to_owned();
    let text = |client: reqwest::Client, path: String| {
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };

    // The owner gets everything.
    let list = text(owner.clone(), "/admin/lists/pilot-course".into()).await;
    assert!(
        list.contains("export.csv") && list.contains("/import\""),
        "{list}"
    );
    let page = text(owner.clone(), person.clone()).await;
    assert!(
        page.contains("/erase\"") && page.contains("/resend\""),
        "{page}"
    );

    // The editor: people, invitations, announcements; no export, import or erasure.
    let (editor, _) = sign_in_as(&app, EDITOR).await;
    let dashboard = text(editor.clone(), "/admin".into()).await;
    assert!(dashboard.contains("href=\"/admin/lists/pilot-course\""));
    let list = text(editor.clone(), "/admin/lists/pilot-course".into()).await;
    assert!(list.contains(WAITING), "the editor sees people");
    assert!(list.contains("/invite\"") && list.contains("/announcements/new\""));
    assert!(
        !list.contains("export.csv") && !list.contains("/import\""),
        "{list}"
    );
    assert!(
        list.contains("data-testid=\"embed-snippet\">&lt;iframe"),
        "the snippet to paste: {list}"
    );
    let page = text(editor.clone(), person.clone()).await;
    assert!(page.contains("/resend\""), "{page}");
    assert!(!page.contains("/erase\"") && !page.contains("/unsubscribe\""));

    // The viewer: the dashboard's figures and no way into a list of people.
    let (viewer, _) = sign_in_as(&app, VIEWER).await;
    let dashboard = text(viewer.clone(), "/admin".into()).await;
    assert!(
        dashboard.contains("data-testid=\"count-pending\">1<"),
        "{dashboard}"
    );
    assert!(!dashboard.contains("/admin/lists/"), "{dashboard}");
    assert!(!dashboard.contains(WAITING));
    app.stop().await;
}

#[tokio::test]
async fn roles_are_set_and_changed_at_the_command_line_audited_and_hold_at_once() {
    let app = spawn_app().await;
    // Without --role, a new account is an owner, as before roles existed.
    add_owner(&app);
    add_account(&app, VIEWER, "viewer");
    let (ok, out, _) = cli(&app, &["admin", "list"], None);
    assert!(ok);
    let role_of = |out: &str, email: &str| {
        out.lines()
            .find(|l| l.contains(email))
            .and_then(|l| l.split('\t').nth(2))
            .map(str::to_owned)
    };
    assert_eq!(
        role_of(&out, crate::owner::OWNER).as_deref(),
        Some("owner"),
        "{out}"
    );
    assert_eq!(role_of(&out, VIEWER).as_deref(), Some("viewer"), "{out}");

    let (ok, _, err) = cli(&app, &["admin", "role", VIEWER, "admin"], None);
    assert!(!ok && err.contains("owner, editor or viewer"), "{err}");
    let (ok, _, err) = cli(
        &app,
        &[
            "admin",
            "add",
            "x@example.org",
            "--password-stdin",
            "--role",
            "boss",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(!ok && err.contains("owner, editor or viewer"), "{err}");
    let (ok, _, err) = cli(
        &app,
        &["admin", "role", "nobody@example.org", "editor"],
        None,
    );
    assert!(!ok && err.contains("no owner"), "{err}");

    let (viewer, _) = sign_in_as(&app, VIEWER).await;
    let export = viewer
        .get(app.url("/admin/lists/pilot-course/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 403);

    // Promoted: the same session may export at once.
    let (ok, out, err) = cli(&app, &["admin", "role", VIEWER, "owner"], None);
    assert!(ok && out.contains("is now owner"), "{out}{err}");
    let export = viewer
        .get(app.url("/admin/lists/pilot-course/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 200);

    // Demoted by `admin add` with a role (which also sets the password).
    let (ok, out, err) = cli(
        &app,
        &[
            "admin",
            "add",
            VIEWER,
            "--password-stdin",
            "--role",
            "editor",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok && out.contains("is now editor"), "{out}{err}");
    let (ok, out, _) = cli(&app, &["admin", "list"], None);
    assert!(ok);
    assert_eq!(role_of(&out, VIEWER).as_deref(), Some("editor"), "{out}");
    // Setting the password again without --role keeps the role.
    let (ok, _, _) = cli(
        &app,
        &["admin", "add", VIEWER, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok);
    let (_, out, _) = cli(&app, &["admin", "list"], None);
    assert_eq!(role_of(&out, VIEWER).as_deref(), Some("editor"), "{out}");

    let log = audit_lines(&app).await.join("\n");
    for words in [
        "new account with the role owner",
        "new account with the role viewer",
        "role changed from viewer to owner",
        "role changed from owner to editor",
        "refused: the role viewer may not export a list",
    ] {
        assert!(log.contains(words), "{words}:\n{log}");
    }
    assert_eq!(
        log.matches("role changed").count(),
        2,
        "an unchanged role is not a change:\n{log}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_viewers_large_import_is_refused_and_audited_before_its_body_is_read() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let app = spawn_app().await;
    add_owner(&app);
    add_account(&app, VIEWER, "viewer");
    let (viewer, csrf) = sign_in_as(&app, VIEWER).await;

    // The form as a browser sends it: the token, then a CSV file. Its first MiB goes out,
    // and the rest is held back until the answer has come: a server that reads the body
    // before it asks the role cannot answer at all.
    const BOUNDARY: &str = "quietlist-large-import";
    let mut head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nemail\n"
    )
    .into_bytes();
    while head.len() < 1024 * 1024 {
        head.extend_from_slice(format!("row{}@example.com\n", head.len()).as_bytes());
    }
    let head_len = head.len();
    let sent = Arc::new(AtomicUsize::new(0));
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    enum Step {
        Head(Vec<u8>, tokio::sync::oneshot::Receiver<()>),
        HeldBack(tokio::sync::oneshot::Receiver<()>),
        Done,
    }
    let counter = sent.clone();
    let body = futures_util::stream::unfold(Step::Head(head, released), move |step| {
        let counter = counter.clone();
        async move {
            let (bytes, next) = match step {
                Step::Head(bytes, released) => (bytes, Step::HeldBack(released)),
                Step::HeldBack(released) => {
                    let _ = released.await;
                    (format!("\r\n--{BOUNDARY}--\r\n").into_bytes(), Step::Done)
                }
                Step::Done => return None,
            };
            counter.fetch_add(bytes.len(), Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(bytes), next))
        }
    });
    let request = viewer
        .post(app.url("/admin/lists/pilot-course/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(body))
        .send();
    // Not a measure of time: only a bound on waiting for an answer that never comes.
    let answered = tokio::time::timeout(std::time::Duration::from_secs(20), request).await;
    let sent_when_answered = sent.load(Ordering::SeqCst);
    drop(release);
    let response = answered
        .expect("no answer while the body was held back: the body is read before the role is asked")
        .expect("the request");
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        sent_when_answered, head_len,
        "answered only once the whole body was sent"
    );
    let refused: Vec<String> = audit_lines(&app)
        .await
        .into_iter()
        .filter(|l| l.contains("refused") && l.contains("import"))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        !app.export_csv(LIST).lines().any(|l| l.starts_with("row")),
        "a refused import imported"
    );
}

/// Makes an API key in `/admin/api-keys` as the signed-in `client`; the key shown.
async fn make_key_in_the_admin(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    name: &str,
) -> String {
    let made = client
        .post(app.url("/admin/api-keys"))
        .form(&[("csrf", csrf), ("name", name), ("scope-lists-read", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status().as_u16(), 200, "making key {name}");
    let page = made.text().await.unwrap();
    page.split("data-testid=\"new-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key is shown once")
        .to_owned()
}

async fn lists_with(app: &TestApp, key: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/lists"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_key_an_owner_made_in_the_admin_stops_when_they_are_no_longer_an_owner() {
    const MAKER: &str = "maker@example.org";
    let app = spawn_app().await;
    add_owner(&app);
    add_account(&app, MAKER, "owner");
    let (ok, shell_key, err) = cli(
        &app,
        &[
            "api-key",
            "create",
            "--name",
            "shell",
            "--scope",
            "lists:read",
        ],
        None,
    );
    assert!(ok, "{err}");
    let shell_key = shell_key.trim().to_owned();
    let (maker, csrf) = sign_in_as(&app, MAKER).await;
    let key = make_key_in_the_admin(&app, &maker, &csrf, "makers-sync").await;
    assert_eq!(lists_with(&app, &key).await, 200);

    // Who made each key is shown, at the command line and in the admin.
    let (ok, listed, _) = cli(&app, &["api-key", "list"], None);
    assert!(ok);
    let line = |name: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {listed}"))
            .to_owned()
    };
    assert!(
        line("makers-sync").contains(&format!("by {MAKER} (admin:")),
        "{listed}"
    );
    assert!(line("shell").contains("by cli"), "{listed}");
    let page = maker
        .get(app.url("/admin/api-keys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Made by") && page.contains(MAKER), "{page}");

    // Demoted at the command line: the key is refused at once, and the log says why.
    let (ok, out, err) = cli(&app, &["admin", "role", MAKER, "editor"], None);
    assert!(ok, "{out}{err}");
    assert_eq!(
        lists_with(&app, &key).await,
        401,
        "a demoted owner's key works"
    );
    assert_eq!(lists_with(&app, &shell_key).await, 200);
    let revoked: Vec<String> = audit_lines(&app)
        .await
        .into_iter()
        .filter(|l| l.contains("api-key:makers-sync") && l.contains("no longer an owner"))
        .collect();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    let (_, listed, _) = cli(&app, &["api-key", "list"], None);
    assert!(!listed.contains("makers-sync"), "{listed}");

    // Made an owner again, the account does not get the old key back.
    let (ok, _, _) = cli(&app, &["admin", "role", MAKER, "owner"], None);
    assert!(ok);
    assert_eq!(lists_with(&app, &key).await, 401);

    // Removed: the keys it made go with it.
    let (maker, csrf) = sign_in_as(&app, MAKER).await;
    let second = make_key_in_the_admin(&app, &maker, &csrf, "makers-second").await;
    assert_eq!(lists_with(&app, &second).await, 200);
    let (ok, out, err) = cli(&app, &["admin", "remove", MAKER], None);
    assert!(ok, "{out}{err}");
    assert_eq!(
        lists_with(&app, &second).await,
        401,
        "a removed owner's key works"
    );
    assert_eq!(lists_with(&app, &shell_key).await, 200);
    assert!(
        audit_lines(&app)
            .await
            .iter()
            .any(|l| l.contains("api-key:makers-second") && l.contains("no longer an owner")),
        "the removal's revocation is not in the log"
    );
}

/// Sets an account's role behind quietlist's back (as a restored backup or an edit by
/// hand would), on whichever database the app runs on.
fn set_role_by_hand(app: &TestApp, role: &str) {
    let sql = format!("UPDATE admins SET role = '{role}' WHERE id = (SELECT MAX(id) FROM admins)");
    match database_url_for(&app.data_dir) {
        Some(url) => {
            let out = std::process::Command::new("psql")
                .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-c", &sql])
                .output()
                .expect("run psql");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        None => {
            let conn = rusqlite::Connection::open(app.data_dir.join("quietlist.sqlite3")).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .unwrap();
            assert_eq!(conn.execute(&sql, []).unwrap(), 1);
        }
    }
}

#[tokio::test]
async fn a_key_whose_maker_stopped_being_an_owner_by_any_path_is_refused_and_revoked_once() {
    const MAKER: &str = "maker@example.org";
    let app = spawn_app().await;
    add_owner(&app);
    add_account(&app, MAKER, "owner");
    let (maker, csrf) = sign_in_as(&app, MAKER).await;
    let key = make_key_in_the_admin(&app, &maker, &csrf, "makers-sync").await;
    assert_eq!(lists_with(&app, &key).await, 200);

    set_role_by_hand(&app, "viewer");
    for _ in 0..3 {
        assert_eq!(lists_with(&app, &key).await, 401, "a viewer's key works");
    }
    let revoked: Vec<String> = audit_lines(&app)
        .await
        .into_iter()
        .filter(|l| l.contains("api-key:makers-sync") && l.contains("no longer an owner"))
        .collect();
    assert_eq!(
        revoked.len(),
        1,
        "one entry, on the first refusal: {revoked:?}"
    );
    // Revoked, not only refused: an owner again, the account does not get it back.
    set_role_by_hand(&app, "owner");
    assert_eq!(lists_with(&app, &key).await, 401);
}
