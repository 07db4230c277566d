//! The API (`/api/v1`) through the real binary and server: keys made at the command line
//! and kept only as hashes, scopes, revocation, people added with and without consent
//! proof (the confirmation mail checked at the SMTP sink), keyset pagination, the per-key
//! rate limit, the audit log naming the key, and the OpenAPI document covering every route.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use quietlist::abuse::table::Rate;
use serde_json::{Value, json};

use crate::helpers::{LIST, link_in, on_postgres, quietlist_command_on, spawn_app, spawn_app_with};

const ALL_SCOPES: &str =
    "lists:read,people:read,people:write,invites:write,announcements:write,export";

/// `quietlist api-key create` on the app's data directory: the key it printed.
fn create_key(data_dir: &Path, name: &str, scopes: &str) -> String {
    let out = quietlist_command_on(data_dir)
        .args(["api-key", "create", "--name", name, "--scope", scopes])
        .output()
        .expect("run quietlist api-key create");
    assert!(
        out.status.success(),
        "api-key create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn cli(data_dir: &Path, args: &[&str]) -> std::process::Output {
    quietlist_command_on(data_dir)
        .args(args)
        .output()
        .expect("run quietlist")
}

fn audit_log(data_dir: &Path) -> Vec<Value> {
    let out = cli(data_dir, &["audit", "--json"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

struct Api<'a> {
    app: &'a crate::helpers::TestApp,
    key: String,
}

impl Api<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.key)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// Adds `email` as confirmed on consent proof; its id.
    async fn add_with_consent(&self, email: &str) -> i64 {
        let response = self
            .post(
                &format!("/api/v1/lists/{LIST}/people"),
                &json!({
                    "email": email,
                    "consent": {
                        "at": "2026-01-15T10:00:00Z",
                        "source": "crm",
                        "text": "Yes, tell me when the pilot course opens."
                    }
                }),
            )
            .await;
        assert_eq!(response.status().as_u16(), 201, "adding {email}");
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

/// Every file of the data directory, as bytes (the database, its WAL and the rest).
fn data_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.push((path.display().to_string(), bytes));
            }
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_key_is_printed_once_and_the_database_keeps_only_its_hash() {
    let app = spawn_app().await;
    let key = create_key(&app.data_dir, "crm", "lists:read,people:read");
    assert!(key.starts_with("ql_"), "{key}");
    assert!(key.len() >= 3 + 22, "at least 128 bits: {key}");
    let api = Api {
        app: &app,
        key: key.clone(),
    };
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 200);

    let listed = String::from_utf8(cli(&app.data_dir, &["api-key", "list"]).stdout).unwrap();
    assert!(
        listed.contains("crm") && listed.contains("lists:read,people:read"),
        "{listed}"
    );
    assert!(
        listed.contains("last used 20"),
        "the use is recorded: {listed}"
    );
    assert!(!listed.contains(&key[3..]), "the list shows the key");

    // Neither the key nor its secret part is anywhere in the data directory (SQLite
    // database and WAL); the stored row holds a lookup prefix and a SHA-256.
    if !on_postgres() {
        let secret = &key[3 + 12..];
        for (file, bytes) in data_files(&app.data_dir) {
            assert!(!contains(&bytes, key.as_bytes()), "{file} holds the key");
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{file} holds the key's secret part"
            );
        }
        let db = rusqlite_free_hash_check(&app.data_dir, &key);
        assert!(db, "the database holds the key's SHA-256");
    }
}

/// The SHA-256 of the key is in the database (so the negative checks above read the
/// right files).
fn rusqlite_free_hash_check(data_dir: &Path, key: &str) -> bool {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(key.as_bytes());
    data_files(data_dir)
        .iter()
        .any(|(_, bytes)| contains(bytes, &hash))
}

#[tokio::test]
async fn without_a_key_or_with_an_unknown_or_revoked_one_the_answer_is_401() {
    let app = spawn_app().await;
    let key = create_key(&app.data_dir, "sync", "lists:read");
    let no_key = app.get("/api/v1/lists").await;
    assert_eq!(no_key.status().as_u16(), 401);
    assert!(
        no_key.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"),
    );
    let body: Value = no_key.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let forged = format!("ql_{}", "A".repeat(key.len() - 3));
    for wrong in [forged.as_str(), "ql_short", "not-a-key"] {
        let api = Api {
            app: &app,
            key: wrong.into(),
        };
        assert_eq!(
            api.get("/api/v1/lists").await.status().as_u16(),
            401,
            "{wrong}"
        );
    }
    // The right lookup prefix with a wrong secret part.
    let mut tampered = key.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let api = Api {
        app: &app,
        key: tampered,
    };
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 401);

    let api = Api { app: &app, key };
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 200);
    let out = cli(&app.data_dir, &["api-key", "revoke", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 401);
}

#[tokio::test]
async fn each_endpoint_refuses_a_key_without_its_scope_with_403_naming_it() {
    let app = spawn_app().await;
    let everything = Api {
        key: create_key(&app.data_dir, "all", ALL_SCOPES),
        app: &app,
    };
    let id = everything.add_with_consent("scoped@example.com").await;
    let people = format!("/api/v1/lists/{LIST}/people");
    let person = format!("/api/v1/people/{id}");
    let calls: Vec<(reqwest::Method, String, Value, &str)> = vec![
        (
            reqwest::Method::GET,
            "/api/v1/lists".into(),
            Value::Null,
            "lists:read",
        ),
        (
            reqwest::Method::GET,
            people.clone(),
            Value::Null,
            "people:read",
        ),
        (
            reqwest::Method::POST,
            people.clone(),
            json!({"email": "x@example.com"}),
            "people:write",
        ),
        (
            reqwest::Method::GET,
            person.clone(),
            Value::Null,
            "people:read",
        ),
        (
            reqwest::Method::POST,
            format!("{person}/unsubscribe"),
            Value::Null,
            "people:write",
        ),
        (
            reqwest::Method::DELETE,
            person.clone(),
            Value::Null,
            "people:write",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/lists/{LIST}/invitations"),
            json!({"count": 1}),
            "invites:write",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/lists/{LIST}/announcements"),
            json!({"subject": "Hi", "body": "Hello"}),
            "announcements:write",
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/lists/{LIST}/export"),
            Value::Null,
            "export",
        ),
    ];
    for (i, (method, path, body, scope)) in calls.iter().enumerate() {
        let others: Vec<&str> = ALL_SCOPES.split(',').filter(|s| s != scope).collect();
        let key = create_key(&app.data_dir, &format!("without-{i}"), &others.join(","));
        let api = Api { app: &app, key };
        let mut request = api.request(method.clone(), path);
        if !body.is_null() {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            403,
            "{method} {path} without {scope}"
        );
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "missing_scope");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(scope),
            "{method} {path}: {error}"
        );
    }
    // The same calls with every scope are not refused (the reads at least answer 200).
    for path in ["/api/v1/lists".to_owned(), people, person] {
        assert_eq!(everything.get(&path).await.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn a_person_added_without_consent_proof_gets_the_confirmation_mail_and_with_proof_none() {
    let app = spawn_app().await;
    let api = Api {
        key: create_key(&app.data_dir, "crm", ALL_SCOPES),
        app: &app,
    };
    let people = format!("/api/v1/lists/{LIST}/people");

    // With proof: confirmed at once, consent on record, no mail.
    let id = api.add_with_consent("vouched@example.com").await;
    let detail = api.json(&format!("/api/v1/people/{id}")).await;
    assert_eq!(detail["status"], "confirmed");
    assert_eq!(detail["email"], "vouched@example.com");
    assert_eq!(detail["consents"][0]["form"], "api:crm");
    assert_eq!(
        detail["consents"][0]["text"],
        "Yes, tell me when the pilot course opens."
    );
    assert!(
        detail["consents"][0]["submitted_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-15T10:00:00")
    );

    // Without proof: the form's path, the same 202 for anyone, and the mail.
    let response = api
        .post(
            &people,
            &json!({"email": "Someone@Example.com", "name": "Ada"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 202);
    let mail = app.mail_to("someone@example.com").await;
    let link = link_in(&mail, "/confirm/");
    let confirmed = app.client.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    let found = api
        .json(&format!("{people}?email=SomeOne%40Example.com"))
        .await;
    assert_eq!(found["people"][0]["status"], "confirmed", "{found}");
    assert_eq!(found["people"][0]["name"], "Ada");

    // The outbox had the vouched-for person first: by now their mail would have come.
    assert!(
        app.mails_to("vouched@example.com").is_empty(),
        "a person added with consent proof got mail"
    );

    // Adding them again is a conflict that changes nothing.
    let again = api
        .post(
            &people,
            &json!({"email": "vouched@example.com", "consent": {"at": "2026-01-15T10:00:00Z", "source": "crm", "text": "yes"}}),
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"]["code"], "already_on_list");
}

#[tokio::test]
async fn pagination_walks_every_person_exactly_once() {
    let app = spawn_app().await;
    let api = Api {
        key: create_key(&app.data_dir, "walker", ALL_SCOPES),
        app: &app,
    };
    let mut added = HashSet::new();
    for i in 0..37 {
        added.insert(api.add_with_consent(&format!("p{i}@example.com")).await);
    }
    let mut seen = Vec::new();
    let mut after: Option<i64> = None;
    let mut pages = 0;
    loop {
        let path = match after {
            Some(a) => format!("/api/v1/lists/{LIST}/people?limit=10&after={a}"),
            None => format!("/api/v1/lists/{LIST}/people?limit=10"),
        };
        let page = api.json(&path).await;
        pages += 1;
        let people = page["people"].as_array().unwrap();
        assert!(people.len() <= 10);
        seen.extend(people.iter().map(|p| p["id"].as_i64().unwrap()));
        match page["next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages < 10, "the walk does not end");
    }
    assert_eq!(seen.len(), 37, "each person once: {seen:?}");
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), added);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Filtered by status, and by exact address.
    for id in seen.iter().take(3) {
        let out = api
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/people/{id}/unsubscribe"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(out.status().as_u16(), 200);
    }
    let gone = api
        .json(&format!(
            "/api/v1/lists/{LIST}/people?status=unsubscribed&limit=500"
        ))
        .await;
    let gone: Vec<i64> = gone["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(gone, seen[..3].to_vec());
    let one = api
        .json(&format!(
            "/api/v1/lists/{LIST}/people?email=p7%40example.com"
        ))
        .await;
    assert_eq!(one["people"].as_array().unwrap().len(), 1);
    assert_eq!(one["people"][0]["email"], "p7@example.com");
    let none = api
        .json(&format!(
            "/api/v1/lists/{LIST}/people?email=nobody%40example.com"
        ))
        .await;
    assert_eq!(none["people"].as_array().unwrap().len(), 0);

    // The figures agree.
    let lists = api.json("/api/v1/lists").await;
    let pilot = lists["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == LIST)
        .unwrap();
    assert_eq!(pilot["total"], 37);
}

#[tokio::test(flavor = "multi_thread")]
async fn past_its_limit_a_key_gets_429_with_retry_after_and_other_keys_do_not() {
    let app = spawn_app_with(|config| {
        config.limits.api = Rate {
            burst: 5,
            per_second: 0.2,
        };
    })
    .await;
    let busy = create_key(&app.data_dir, "busy", "lists:read");
    let calm = create_key(&app.data_dir, "calm", "lists:read");
    let requests = (0..25).map(|_| {
        let client = app.client.clone();
        let url = app.url("/api/v1/lists");
        let key = busy.clone();
        tokio::spawn(async move { client.get(url).bearer_auth(key).send().await.unwrap() })
    });
    let mut ok = 0;
    let mut limited = 0;
    for request in requests.collect::<Vec<_>>() {
        let response = request.await.unwrap();
        match response.status().as_u16() {
            200 => ok += 1,
            429 => {
                limited += 1;
                let wait: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(wait >= 1);
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "rate_limited");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(ok <= 6, "{ok} got through a burst of 5");
    assert!(limited >= 19, "only {limited} refused");
    let api = Api {
        app: &app,
        key: calm,
    };
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 200);
}

#[tokio::test]
async fn what_a_key_does_is_audited_under_its_name() {
    let app = spawn_app().await;
    let api = Api {
        key: create_key(&app.data_dir, "course-platform", ALL_SCOPES),
        app: &app,
    };
    let id = api.add_with_consent("audited@example.com").await;
    api.json(&format!("/api/v1/people/{id}")).await;
    let export = api.get(&format!("/api/v1/lists/{LIST}/export")).await;
    assert_eq!(export.status().as_u16(), 200);
    assert!(export.text().await.unwrap().contains("audited@example.com"));
    let out = api
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/people/{id}/unsubscribe"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 200);
    let out = api
        .request(reqwest::Method::DELETE, &format!("/api/v1/people/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 200);
    let gone = api
        .request(reqwest::Method::GET, &format!("/api/v1/people/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404);
    tokio::time::sleep(Duration::from_millis(300)).await; // the export audits when its stream ends

    let log = audit_log(&app.data_dir);
    let by_key: Vec<&str> = log
        .iter()
        .filter(|e| e["actor"] == "api-key:course-platform")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["add", "view", "export", "unsubscribe", "erase"] {
        assert!(
            by_key.contains(&action),
            "no {action} by the key: {by_key:?}"
        );
    }
    let created = log
        .iter()
        .find(|e| e["action"] == "api-key" && e["subject"] == "api-key:course-platform")
        .expect("the key's creation is audited");
    assert!(created["actor"].as_str().unwrap().starts_with("cli:"));
    assert!(!serde_json::to_string(&log).unwrap().contains(&api.key[3..]));
}

#[tokio::test]
async fn bad_input_is_answered_in_json_naming_the_field_never_with_a_500() {
    let app = spawn_app().await;
    let api = Api {
        key: create_key(&app.data_dir, "careless", ALL_SCOPES),
        app: &app,
    };
    let people = format!("/api/v1/lists/{LIST}/people");
    let field_of = |v: &Value| v["error"]["field"].as_str().unwrap_or("").to_owned();

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (api.request(reqwest::Method::POST, &people).json(&json!({})), 422, "email"),
        (api.request(reqwest::Method::POST, &people).json(&json!({"email": 5})), 422, "email"),
        (api.request(reqwest::Method::POST, &people).json(&json!({"email": "not an address"})), 422, "email"),
        (api.request(reqwest::Method::POST, &people).body("{nope"), 422, "body"),
        (
            api.request(reqwest::Method::POST, &people).json(&json!({"email": "a@example.com", "consent": {"at": "soon", "source": "x", "text": "y"}})),
            422,
            "consent.at",
        ),
        (
            api.request(reqwest::Method::POST, &people).json(&json!({"email": "a@example.com", "consent": {"at": "2026-01-01T00:00:00Z", "text": "y"}})),
            422,
            "consent.source",
        ),
        (api.request(reqwest::Method::GET, &format!("{people}?limit=0")), 422, "limit"),
        (api.request(reqwest::Method::GET, &format!("{people}?limit=501")), 422, "limit"),
        (api.request(reqwest::Method::GET, &format!("{people}?after=x")), 422, "after"),
        (api.request(reqwest::Method::GET, &format!("{people}?status=gone")), 422, "status"),
        (api.request(reqwest::Method::GET, &format!("{people}?email=nope")), 422, "email"),
        (api.request(reqwest::Method::GET, "/api/v1/people/abc"), 422, "id"),
        (
            api.request(reqwest::Method::POST, &format!("/api/v1/lists/{LIST}/invitations")).json(&json!({"count": "x"})),
            422,
            "count",
        ),
        (
            api.request(reqwest::Method::POST, &format!("/api/v1/lists/{LIST}/invitations")).json(&json!({"count": 1, "cohort": "nope"})),
            422,
            "cohort",
        ),
        (
            api.request(reqwest::Method::POST, &format!("/api/v1/lists/{LIST}/announcements")).json(&json!({"body": "x"})),
            422,
            "subject",
        ),
        (
            api.request(reqwest::Method::POST, &format!("/api/v1/lists/{LIST}/announcements")).json(&json!({"subject": "x", "body": "y", "audience": "pending"})),
            422,
            "audience",
        ),
        (api.request(reqwest::Method::GET, "/api/v1/lists/nope/people"), 404, ""),
        (api.request(reqwest::Method::GET, "/api/v1/people/999999"), 404, ""),
        (api.request(reqwest::Method::GET, "/api/v1/nothing-here"), 404, ""),
        (api.request(reqwest::Method::PUT, "/api/v1/lists"), 405, ""),
        (
            api.request(reqwest::Method::POST, &people).body(vec![b' '; 600 * 1024]),
            413,
            "",
        ),
    ];
    for (request, status, field) in cases {
        let request = request.build().unwrap();
        let shown = format!("{} {}", request.method(), request.url());
        let response = app.client.execute(request).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{shown}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{shown}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(field_of(&body), field, "{shown}: {body}");
        assert!(body["error"]["code"].is_string(), "{shown}: {body}");
    }
}

/// Each `#[utoipa::path(METHOD, path = "...")]` in the API's source files: the routes
/// the code registers (utoipa-axum builds the router from these very attributes).
fn routes_in_code() -> Vec<(String, String)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/api");
    let attribute =
        regex::Regex::new(r#"#\[utoipa::path\(\s*(\w+),\s*path\s*=\s*"([^"]+)""#).unwrap();
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for found in attribute.captures_iter(&source) {
            routes.push((found[1].to_owned(), found[2].to_owned()));
        }
        // A route added with plain axum would not be documented.
        for line in source.lines() {
            let line = line.trim();
            if line.starts_with(".route(\"/api/v1/") {
                assert!(
                    line.contains("{*rest}"),
                    "{} registers an undocumented route: {line}",
                    path.display()
                );
            }
        }
    }
    routes
}

#[tokio::test]
async fn the_openapi_document_covers_every_route_the_code_registers() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status().as_u16(), 200);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = routes_in_code();
    assert!(routes.len() >= 9, "{routes:?}");
    for (method, path) in &routes {
        let operation = &doc["paths"][path][method];
        assert!(
            operation.is_object(),
            "{method} {path} is not in the document"
        );
        for status in ["401", "403", "422", "429"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} lacks {status}"
            );
        }
        // The router has it too: without a key it answers 401, not the API's 404.
        let url = app.url(&path.replace("{list}", LIST).replace("{id}", "1"));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let answer = app
            .client
            .request(method.clone(), url)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 401, "{method} {path}");
    }
    // And the document has nothing the code lacks.
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
}

#[tokio::test]
async fn the_owner_makes_lists_and_revokes_keys_in_the_admin_area() {
    use crate::owner::{add_owner, hidden, signed_in};
    let app = spawn_app().await;
    add_owner(&app);
    let (browser, csrf) = signed_in(&app).await;

    // Without the session's CSRF token, nothing is made.
    let forged = browser
        .post(app.url("/admin/api-keys"))
        .form(&[
            ("csrf", "forged"),
            ("name", "shop"),
            ("scope-lists-read", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);

    let made = browser
        .post(app.url("/admin/api-keys"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "shop"),
            ("scope-lists-read", "on"),
            ("scope-export", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status().as_u16(), 200);
    let page = made.text().await.unwrap();
    let key = page
        .split("data-testid=\"new-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key is shown once")
        .to_owned();
    assert!(key.starts_with("ql_"));
    let api = Api {
        app: &app,
        key: key.clone(),
    };
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 200);
    assert_eq!(
        api.get(&format!("/api/v1/lists/{LIST}/people"))
            .await
            .status()
            .as_u16(),
        403
    );

    // The list shows the key's name and scopes, never the key.
    let listing = browser
        .get(app.url("/admin/api-keys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listing.contains("shop") && listing.contains("lists:read, export"));
    assert!(!listing.contains(&key[3..]), "the list shows the key");

    let csrf = hidden(&listing, "csrf");
    let revoked = browser
        .post(app.url("/admin/api-keys/shop/revoke"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(api.get("/api/v1/lists").await.status().as_u16(), 401);
    let log = audit_log(&app.data_dir);
    let owner_did: Vec<&str> = log
        .iter()
        .filter(|e| e["action"] == "api-key" && e["actor"].as_str().unwrap().starts_with("admin:"))
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(owner_did.len(), 2, "{owner_did:?}");
}

/// An answer as a client sees it, but for what differs between any two requests (the
/// date and the request id).
async fn answer(response: reqwest::Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    headers.sort();
    let body = response.bytes().await.unwrap().to_vec();
    (status, headers, body)
}

/// A person's record without what the mail worker changes on its own (a mail's state).
fn settled(mut person: Value) -> Value {
    for mail in person["mails"].as_array_mut().into_iter().flatten() {
        mail["state"] = Value::Null;
        mail["sent_at"] = Value::Null;
    }
    person
}

fn consent_for(email: &str) -> Value {
    json!({
        "email": email,
        "consent": {
            "at": "2026-01-15T10:00:00Z",
            "source": "shop",
            "text": "Yes, tell me when the pilot course opens."
        }
    })
}

#[tokio::test]
async fn a_key_that_cannot_read_people_learns_nothing_from_adding_one_with_consent() {
    let app = spawn_app().await;
    let full = Api {
        app: &app,
        key: create_key(&app.data_dir, "full", "people:read,people:write"),
    };
    let writer = Api {
        app: &app,
        key: create_key(&app.data_dir, "writer", "people:write"),
    };
    let people = format!("/api/v1/lists/{LIST}/people");

    // On the list already: confirmed (through the API) and pending (through the form);
    // and one erased, whose address is suppressed for good.
    let confirmed = full.add_with_consent("confirmed@example.com").await;
    app.sign_up("pending@example.com").await;
    let erased = full.add_with_consent("erased@example.com").await;
    let gone = full
        .request(reqwest::Method::DELETE, &format!("/api/v1/people/{erased}"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 200);
    let before_confirmed = full.json(&format!("/api/v1/people/{confirmed}")).await;
    let pending_page = full
        .json(&format!("{people}?email=pending%40example.com"))
        .await;
    let pending = pending_page["people"][0]["id"].as_i64().unwrap();
    let before_pending = settled(full.json(&format!("/api/v1/people/{pending}")).await);

    // The key without people:read: one answer whoever the address is, the no-consent
    // path's to the byte.
    let no_consent = answer(
        writer
            .post(&people, &json!({"email": "form@example.com"}))
            .await,
    )
    .await;
    assert_eq!(no_consent.0, 202, "{no_consent:?}");
    let mut answers = Vec::new();
    for email in [
        "new@example.com",
        "confirmed@example.com",
        "pending@example.com",
        "erased@example.com",
    ] {
        let got = answer(writer.post(&people, &consent_for(email)).await).await;
        answers.push((email, got));
    }
    for (email, got) in &answers {
        assert_eq!(
            got,
            &no_consent,
            "{email}: {} {}",
            got.0,
            String::from_utf8_lossy(&got.2)
        );
    }

    // The new person was added, confirmed on the proof; those already there are as they
    // were, consent records and all.
    let new = full
        .json(&format!("{people}?email=new%40example.com"))
        .await;
    assert_eq!(new["people"][0]["status"], "confirmed", "{new}");
    assert_eq!(
        full.json(&format!("/api/v1/people/{confirmed}")).await,
        before_confirmed
    );
    assert_eq!(
        settled(full.json(&format!("/api/v1/people/{pending}")).await),
        before_pending
    );
    assert_eq!(before_pending["status"], "pending");
    let erased_again = full
        .json(&format!("{people}?email=erased%40example.com"))
        .await;
    assert_eq!(
        erased_again["people"],
        json!([]),
        "an erased address came back"
    );

    // A key that may read people is told why: it could ask anyway.
    for (email, code) in [
        ("confirmed@example.com", "already_on_list"),
        ("erased@example.com", "suppressed"),
    ] {
        let response = full.post(&people, &consent_for(email)).await;
        assert_eq!(response.status().as_u16(), 409, "{email}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{email}: {body}");
    }
    assert_eq!(
        full.post(&people, &consent_for("another@example.com"))
            .await
            .status()
            .as_u16(),
        201
    );
}

/// `GET /api/v1/lists` with `key` (none when empty), as if forwarded for `forwarded_for`.
async fn lists_as(
    app: &crate::helpers::TestApp,
    key: &str,
    forwarded_for: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url("/api/v1/lists"))
        .header("x-forwarded-for", forwarded_for);
    if !key.is_empty() {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn past_its_budget_of_failed_keys_an_address_gets_429_before_any_key_is_looked_up() {
    let app = spawn_app_with(|config| {
        config.limits.api_auth = Rate {
            burst: 5,
            per_second: 0.5,
        };
    })
    .await;
    let good = create_key(&app.data_dir, "good", "lists:read");
    // Requests with a valid key spend nothing of the address's budget.
    for _ in 0..10 {
        assert_eq!(
            lists_as(&app, &good, "198.51.100.1")
                .await
                .status()
                .as_u16(),
            200
        );
    }

    // Wrong keys of every kind, in parallel, each claiming another address in
    // X-Forwarded-For: without a trusted proxy the header is not believed.
    let forged = format!("ql_{}", "A".repeat(40));
    let wrong = [forged.as_str(), "ql_short", "not-a-key", ""];
    let requests: Vec<_> = (0..40)
        .map(|i| {
            let client = app.client.clone();
            let url = app.url("/api/v1/lists");
            let key = wrong[i % wrong.len()].to_owned();
            tokio::spawn(async move {
                let mut request = client
                    .get(url)
                    .header("x-forwarded-for", format!("203.0.113.{i}"));
                if !key.is_empty() {
                    request = request.bearer_auth(key);
                }
                request.send().await.unwrap()
            })
        })
        .collect();
    let (mut unauthorized, mut limited) = (0, 0);
    for request in requests {
        let response = request.await.unwrap();
        match response.status().as_u16() {
            401 => unauthorized += 1,
            429 => {
                limited += 1;
                let wait: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(wait >= 1);
                assert_eq!(
                    response.headers()["content-type"],
                    "application/json",
                    "429 is JSON"
                );
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "rate_limited", "{body}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        unauthorized <= 6,
        "{unauthorized} got 401 past a burst of 5"
    );
    assert!(limited >= 34, "only {limited} refused");

    // While the address is over its budget, even a valid key waits (telling it apart
    // would take the lookup the limit saves); after Retry-After, it works again.
    let blocked = lists_as(&app, &good, "198.51.100.1").await;
    assert_eq!(blocked.status().as_u16(), 429);
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait <= 2, "Retry-After {wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(
        lists_as(&app, &good, "198.51.100.1")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_failed_keys_are_counted_per_forwarded_address() {
    let app = spawn_app_with(|config| {
        config.trust_proxy = true;
        config.limits.api_auth = Rate {
            burst: 3,
            per_second: 0.01,
        };
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            lists_as(&app, "", "203.0.113.7").await.status().as_u16(),
            401
        );
    }
    assert_eq!(
        lists_as(&app, "", "203.0.113.7").await.status().as_u16(),
        429
    );
    // Another client behind the same proxy is not held up by the first one's failures.
    assert_eq!(
        lists_as(&app, "", "203.0.113.8").await.status().as_u16(),
        401
    );
}
