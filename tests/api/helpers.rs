//! `spawn_app()`: the real application on port 0, with its own data directory and a real
//! SMTP server on loopback. Tests drive it over HTTP and read the mail it sends.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::Duration;

use quietlist::config::Config;
use quietlist::startup::Application;
use secrecy::SecretString;
use tempfile::TempDir;

pub use crate::smtp_sink::{ReceivedMail, SmtpSink};

pub const LIST: &str = "pilot-course";
pub const REPORT: &str = "/reports/ketamine-rapid-antidepressant";
pub const COURSE: &str = "/courses/essential-business-foundations";
pub const MAIL_WAIT: Duration = Duration::from_secs(10);

#[allow(dead_code)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    /// Follows no redirects, keeps no cookies: a visitor.
    pub client: reqwest::Client,
    pub smtp: Option<SmtpSink>,
    pub data_dir: PathBuf,
    /// Held so the directory lives as long as the app.
    _dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            quietlist::telemetry::init(quietlist::cli::LogFormat::Text);
        }
    });
}

/// The app with a loopback SMTP server.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with a loopback SMTP server and settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let smtp = SmtpSink::start().await;
    let smtp_url = smtp.url();
    spawn(Some(smtp), move |config| {
        config.smtp_url = Some(SecretString::from(smtp_url));
        configure(config);
    })
    .await
}

/// The app with the given SMTP server (the test keeps a handle to make it fail).
pub async fn spawn_app_with_sink(smtp: SmtpSink, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn(Some(smtp), configure).await
}

/// The app with no SMTP server: mail goes to the development mailbox.
pub async fn spawn_app_without_smtp() -> TestApp {
    spawn(None, |_| {}).await
}

/// The app with a loopback SMTP server, its data directory inside `parent`.
pub async fn spawn_app_in(
    parent: &std::path::Path,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let smtp = SmtpSink::start().await;
    let smtp_url = smtp.url();
    spawn_inner(Some(smtp), Some(parent), move |config| {
        config.smtp_url = Some(SecretString::from(smtp_url));
        configure(config);
    })
    .await
}

async fn spawn(smtp: Option<SmtpSink>, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_inner(smtp, None, configure).await
}

async fn spawn_inner(
    smtp: Option<SmtpSink>,
    parent: Option<&std::path::Path>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let dir = match parent {
        Some(parent) => tempfile::tempdir_in(parent),
        None => tempfile::tempdir(),
    }
    .expect("temporary data directory");
    start_in(dir, smtp, configure).await
}

/// Starts the app on `dir`'s data directory (new or existing).
async fn start_in(
    dir: TempDir,
    smtp: Option<SmtpSink>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    init_logs();
    let data_dir = dir.path().join("data");
    let mut config = Config::new(data_dir.clone());
    config.listen = "127.0.0.1:0".parse().expect("loopback address");
    // Tests post forms as API clients do, without the page's time stamp and at once;
    // tests/api/abuse.rs turns the check back on.
    config.abuse.form_min_seconds = 0;
    if let Some(url) = database_url_for(&data_dir) {
        config.database.url = Some(SecretString::from(url));
        // Two tests at a time, each with an app or two: well within the server's limit.
        config.database.postgres.pool_size = 4;
    }
    configure(&mut config);
    let app = Application::build(config).await.expect("the app builds");
    let port = app.port();
    let address = format!("http://{}", app.local_addr());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        address,
        port,
        client,
        smtp,
        data_dir,
        _dir: dir,
        stop: Some(stop_tx),
        server: Some(server),
    }
}

#[allow(dead_code)]
impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET works")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a text body")
    }

    /// Submits the signup form as a browser without JavaScript would.
    pub async fn post_signup_form(&self, list: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/waitlists/{list}/signups")))
            .form(fields)
            .send()
            .await
            .expect("POST works")
    }

    pub async fn post_signup_json(
        &self,
        list: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/waitlists/{list}/signups")))
            .json(body)
            .send()
            .await
            .expect("POST works")
    }

    /// Signs `email` up through the report's form and checks the answer.
    pub async fn sign_up(&self, email: &str) {
        let response = self
            .post_signup_form(
                LIST,
                &[
                    ("email", email),
                    ("form", "report:ketamine-rapid-antidepressant"),
                ],
            )
            .await;
        assert_eq!(
            response.status().as_u16(),
            303,
            "signup of {email} answered"
        );
    }

    pub fn smtp(&self) -> &SmtpSink {
        self.smtp.as_ref().expect("this app has an SMTP server")
    }

    /// Waits for the `n`th mail (1-based) to arrive and returns it.
    pub async fn nth_mail(&self, n: usize) -> ReceivedMail {
        let mails = self.smtp().wait_for(n, MAIL_WAIT).await;
        assert!(
            mails.len() >= n,
            "expected at least {n} mails, got {}",
            mails.len()
        );
        mails[n - 1].clone()
    }

    /// The mails sent to `email` so far.
    pub fn mails_to(&self, email: &str) -> Vec<ReceivedMail> {
        self.smtp()
            .mails()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == email))
            .collect()
    }

    /// Waits for a mail to `email` and returns the newest one.
    pub async fn mail_to(&self, email: &str) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + MAIL_WAIT;
        loop {
            if let Some(mail) = self.mails_to(email).pop() {
                return mail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no mail to {email} arrived"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Signs up, reads the confirmation mail, opens its link, presses the button.
    pub async fn sign_up_and_confirm(&self, email: &str) -> String {
        self.sign_up(email).await;
        let mail = self.mail_to(email).await;
        let link = link_in(&mail, "/confirm/");
        let page = self.client.post(&link).send().await.expect("confirm POST");
        assert_eq!(page.status().as_u16(), 200);
        page.text().await.expect("confirmation page")
    }

    /// `quietlist export LIST`, run as the owner would: the real binary on this app's
    /// data directory.
    pub fn export_csv(&self, list: &str) -> String {
        export_csv(&self.data_dir, list)
    }

    /// The export as rows of cells, header first.
    pub fn export_rows(&self, list: &str) -> Vec<Vec<String>> {
        let csv = self.export_csv(list);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes());
        reader
            .records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect()
    }

    /// The status column of `email` in the export.
    pub fn status_of(&self, email: &str) -> Option<String> {
        self.export_rows(LIST)
            .into_iter()
            .find(|row| row[0] == email)
            .map(|row| row[1].clone())
    }

    /// Stops the app and starts it again on the same data directory and SMTP server, with
    /// settings changed by `configure` (as an owner restarting with other settings).
    pub async fn restart(mut self, configure: impl FnOnce(&mut Config)) -> TestApp {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        let smtp = self.smtp.take();
        let smtp_url = smtp.as_ref().map(SmtpSink::url);
        // Same address, so that links mailed before the restart still work.
        let listen = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let dir = std::mem::replace(
            &mut self._dir,
            tempfile::tempdir().expect("a placeholder directory"),
        );
        start_in(dir, smtp, move |config| {
            config.smtp_url = smtp_url.map(SecretString::from);
            configure(config);
            config.listen = listen;
        })
        .await
    }

    /// Stops the server and hands back its folder (the data directory is `data` in it),
    /// for commands run on the data after the app.
    pub async fn stop_keeping_data(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        std::mem::replace(
            &mut self._dir,
            tempfile::tempdir().expect("a placeholder directory"),
        )
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The backend the apps of this run store their data in: SQLite in their data directory
/// (the default), or `QUIETLIST_TEST_DATABASE_BACKEND=postgres`: a fresh PostgreSQL
/// database per data directory on the server named by `QUIETLIST_TEST_POSTGRES_URL`.
pub fn on_postgres() -> bool {
    match std::env::var("QUIETLIST_TEST_DATABASE_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("QUIETLIST_TEST_DATABASE_BACKEND={other:?}: sqlite or postgres"),
    }
}

/// For a test about SQLite itself (its file, its locks, its recovery): true, with the
/// reason printed, when this run is on PostgreSQL, where the test has nothing to check.
pub fn skip_on_postgres(reason: &str) -> bool {
    if on_postgres() {
        eprintln!("skipped on PostgreSQL: {reason}");
    }
    on_postgres()
}

/// On PostgreSQL, the URL of the database that belongs to `data_dir` (made on first
/// use, so that the app, its restarts and the CLI run on it all see the same data).
pub fn database_url_for(data_dir: &Path) -> Option<String> {
    static DATABASES: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    if !on_postgres() {
        return None;
    }
    let mut databases = DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    let databases = databases.get_or_insert_with(HashMap::new);
    if let Some(url) = databases.get(data_dir) {
        return Some(url.clone());
    }
    let admin = crate::pg::admin_url()
        .expect("QUIETLIST_TEST_DATABASE_BACKEND=postgres needs QUIETLIST_TEST_POSTGRES_URL");
    let (url, _) = crate::pg::create_database_blocking(&admin);
    databases.insert(data_dir.to_path_buf(), url.clone());
    Some(url)
}

/// The real binary on `data_dir` (and its PostgreSQL database when the run is on one).
pub fn quietlist_command_on(data_dir: &Path) -> std::process::Command {
    let mut command = quietlist_command();
    command.env("QUIETLIST_DATA_DIR", data_dir);
    if let Some(url) = database_url_for(data_dir) {
        command.env("QUIETLIST_DATABASE_URL", url);
    }
    command
}

/// `quietlist export LIST` on `data_dir`, run as the real binary.
pub fn export_csv(data_dir: &std::path::Path, list: &str) -> String {
    let output = quietlist_command_on(data_dir)
        .args(["export", list])
        .output()
        .expect("run quietlist export");
    assert!(
        output.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("CSV is UTF-8")
}

/// The emails in an export, in its order.
pub fn exported_emails(data_dir: &std::path::Path, list: &str) -> Vec<String> {
    export_csv(data_dir, list)
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap_or("").to_owned())
        .collect()
}

/// The real binary, with no QUIETLIST_* settings inherited from the environment.
pub fn quietlist_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_quietlist"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("QUIETLIST_") {
            command.env_remove(key);
        }
    }
    command
}

/// `PRAGMA integrity_check` on a data directory's database.
pub fn integrity_check(data_dir: &std::path::Path) -> String {
    let conn =
        rusqlite::Connection::open(data_dir.join("quietlist.sqlite3")).expect("open the database");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs")
}

/// `quietlist serve` as a separate process on a free port.
pub struct RunningBinary {
    pub child: std::process::Child,
    pub base_url: String,
}

impl RunningBinary {
    pub fn start(data_dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let mut command = serve_command(data_dir, env);
        // Bare form posts, as in spawn_app (see start_in).
        if !env.iter().any(|(k, _)| *k == "QUIETLIST_FORM_MIN_SECONDS") {
            command.env("QUIETLIST_FORM_MIN_SECONDS", "0");
        }
        let mut child = command.spawn().expect("start quietlist");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                    && event["fields"]["message"] == "quietlist is serving"
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(event["fields"]["address"].as_str().unwrap_or("").to_owned());
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("quietlist starts within 30 s");
        Self {
            child,
            base_url: format!("http://{address}"),
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// The decoded text part of a mail.
pub fn text_body(mail: &ReceivedMail) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a parseable mail");
    message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

/// The decoded HTML part of a mail.
pub fn html_body(mail: &ReceivedMail) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a parseable mail");
    message
        .body_html(0)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

/// A header of a mail, decoded.
pub fn header(mail: &ReceivedMail, name: &str) -> Option<String> {
    let message = mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a parseable mail");
    message
        .header_raw(name)
        .map(|v| v.replace("\r\n", "").replace('\n', "").trim().to_owned())
}

/// The first link in the mail's text part whose path starts with `path_prefix`.
pub fn link_in(mail: &ReceivedMail, path_prefix: &str) -> String {
    let text = text_body(mail);
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path_prefix))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_owned())
        .unwrap_or_else(|| panic!("no {path_prefix} link in the mail:\n{text}"))
}

/// `quietlist invite LIST --next N` on the app's data directory, with the mail cap the
/// app runs with; returns what it printed.
pub fn invite_next(app: &TestApp, n: &str, cap: &str) -> String {
    let out = quietlist_command_on(&app.data_dir)
        .args(["invite", LIST, "--next", n])
        .env("QUIETLIST_MAIL_CAP", cap)
        .output()
        .expect("quietlist invite");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies the demo site's files into `to`, as an owner's own site folder.
pub fn copy_demo_site(to: &std::path::Path) {
    for entry in [
        "site.toml",
        "reports/ketamine-rapid-antidepressant.md",
        "courses/essential-business-foundations.md",
    ] {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("site")
            .join(entry);
        let dest = to.join(entry);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from, dest).unwrap();
    }
}

/// `quietlist serve` on a free loopback port with `data_dir`, JSON logs on a piped
/// stderr, and `env` on top.
pub fn serve_command(data_dir: &std::path::Path, env: &[(&str, &str)]) -> std::process::Command {
    let mut command = quietlist_command_on(data_dir);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("QUIETLIST_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// The mail whose subject contains `subject`, once it has arrived.
pub async fn mail_with_subject(app: &TestApp, email: &str, subject: &str) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        if let Some(mail) = app
            .mails_to(email)
            .into_iter()
            .find(|m| header(m, "Subject").is_some_and(|s| s.contains(subject)))
        {
            return mail;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail about {subject:?} to {email}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Erases a person through their manage link, as they would.
pub async fn erase_through(app: &TestApp, manage: &str) {
    let erased = app
        .client
        .post(format!("{manage}/erase"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status().as_u16(), 200);
}
