//! Hosts with real network separation for the multi-node tests: network namespaces joined
//! by veth pairs to two bridges in a "hub" namespace.
//!
//! ```text
//!  root (this test, SMTP sink) --front bridge-- node a, node b      10.213.S.0/24
//!  node a, node b             --back bridge--- database (PostgreSQL) 10.214.0.0/24
//! ```
//! The back network is inside the namespaces only; the front network's root side is one
//! veth in the root namespace. Cutting a node off the database takes its back link down
//! on the hub's side: the node's packets to the database vanish without an error, as on
//! a cut cable, while the test still reaches the node. Everything made here (namespaces,
//! links, PostgreSQL, the nodes) is undone in `Drop`, even when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::smtp_sink::SmtpSink;

pub const SECRET_KEY: &str = "5f1c0e2a9b3d4c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
const DB_ADDRESS: &str = "10.214.0.2";
const NODE_PORT: u16 = 8080;

/// Runs `ip ARGS`; the error carries what `ip` said.
pub fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn must(result: Result<(), String>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Why these tests cannot run here, if they cannot (not root, no `ip netns`, no
/// PostgreSQL server binaries). Probed once per test binary.
pub fn unavailable() -> Option<String> {
    static PROBED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PROBED.get_or_init(probe).clone()
}

fn probe() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root".into());
    }
    let probe = format!("qlprobe{}", std::process::id());
    if let Err(e) = ip(&["netns", "add", &probe]) {
        return Some(format!("ip netns is unavailable ({e})"));
    }
    let _ = ip(&["netns", "del", &probe]);
    if postgres_bin().is_none() {
        return Some("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)".into());
    }
    if postgres_ids().is_none() {
        return Some("no postgres user to run the server as".into());
    }
    None
}

/// `Some(reason)` when the test should stop here: it prints why, and fails instead when
/// `QUIETLIST_REQUIRE_NETNS=1`.
pub fn skip(test: &str) -> bool {
    match unavailable() {
        None => false,
        Some(why) => {
            assert!(
                std::env::var("QUIETLIST_REQUIRE_NETNS").as_deref() != Ok("1"),
                "{test}: QUIETLIST_REQUIRE_NETNS=1 but {why}"
            );
            eprintln!("NOTICE {test}: skipped: {why}");
            true
        }
    }
}

fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("postgres").exists() && bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn postgres_ids() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// A network namespace, deleted (with the links in it) when dropped.
struct Netns(String);

impl Netns {
    fn add(name: String) -> Self {
        let _ = ip(&["netns", "del", &name]);
        must(ip(&["netns", "add", &name]));
        must(ip(&["-n", &name, "link", "set", "lo", "up"]));
        Self(name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.0]);
    }
}

/// A process killed (SIGKILL) and reaped when dropped.
struct Process(std::sync::Mutex<Option<Child>>);

impl Process {
    fn new(child: Child) -> Self {
        Self(std::sync::Mutex::new(Some(child)))
    }

    fn kill(&self) {
        let child = self.0.lock().ok().and_then(|mut c| c.take());
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One `quietlist serve` in its own namespace.
pub struct Node {
    pub name: &'static str,
    pub base_url: String,
    process: Process,
    pub log: PathBuf,
    _data: tempfile::TempDir,
}

impl Node {
    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill_9(&self) {
        self.process.kill();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// PostgreSQL in its namespace; the nodes; the SMTP sink in the root namespace.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub smtp: SmtpSink,
    pub database_url: String,
    hub: String,
    postgres: Process,
    _postgres_dir: tempfile::TempDir,
    root_link: String,
    // Last: namespaces go after the processes in them.
    namespaces: Vec<Netns>,
}

impl Cluster {
    /// Builds the namespaces and links, starts PostgreSQL and the SMTP sink, and starts
    /// `nodes` quietlist nodes with `env` on top of the shared settings.
    pub async fn start(nodes: usize, env: &[(&str, &str)]) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let pid = std::process::id();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}{n}", pid % 100_000);
        let subnet = format!("10.213.{}", (pid + n) % 250 + 1);
        let ns = |role: &str| format!("ql{tag}{role}");
        let mut namespaces = vec![Netns::add(ns("hub")), Netns::add(ns("db"))];
        let hub = ns("hub");
        for bridge in ["front", "back"] {
            must(ip(&["-n", &hub, "link", "add", bridge, "type", "bridge"]));
            must(ip(&["-n", &hub, "link", "set", bridge, "up"]));
        }
        // The root namespace's side of the front network.
        let root_link = format!("qf{tag}");
        let _ = ip(&["link", "del", &root_link]);
        must(ip(&[
            "link", "add", &root_link, "type", "veth", "peer", "name", "root", "netns", &hub,
        ]));
        attach(&hub, "root", "front");
        must(ip(&[
            "addr",
            "add",
            &format!("{subnet}.1/24"),
            "dev",
            &root_link,
        ]));
        must(ip(&["link", "set", &root_link, "up"]));
        // The database host.
        plug(&hub, &ns("db"), "back", "bdb", &format!("{DB_ADDRESS}/24"));

        let (postgres, postgres_dir) = start_postgres(&ns("db")).await;
        let database_url =
            format!("postgres://quietlist@{DB_ADDRESS}:5432/postgres?sslmode=disable");
        let smtp = SmtpSink::start_on(&format!("{subnet}.1:0")).await;

        let mut started = Vec::new();
        for i in 0..nodes {
            let name = ["a", "b", "c"][i % 3];
            let node_ns = ns(name);
            namespaces.push(Netns::add(node_ns.clone()));
            let front = format!("{subnet}.{}", 11 + i);
            plug(
                &hub,
                &node_ns,
                "front",
                &format!("f{name}"),
                &format!("{front}/24"),
            );
            plug(
                &hub,
                &node_ns,
                "back",
                &format!("b{name}"),
                &format!("10.214.0.{}/24", 11 + i),
            );
            started.push(start_node(
                name_static(name),
                &node_ns,
                &front,
                &database_url,
                &smtp.url(),
                env,
            ));
        }
        let cluster = Self {
            nodes: started,
            smtp,
            database_url,
            hub,
            postgres,
            _postgres_dir: postgres_dir,
            root_link,
            namespaces,
        };
        for node in &cluster.nodes {
            cluster.wait_ready(node, Duration::from_secs(60)).await;
        }
        cluster
    }

    async fn wait_ready(&self, node: &Node, limit: Duration) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(r) = client.get(node.url("/readyz")).send().await
                && r.status().is_success()
            {
                return;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&node.log).unwrap_or_default();
                panic!("node {} not ready in {limit:?}; its log:\n{log}", node.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Cuts node `i` off the database (its packets to it vanish), or mends the link.
    pub fn set_database_link(&self, i: usize, up: bool) {
        let link = format!("b{}", self.nodes[i].name);
        must(ip(&[
            "-n",
            &self.hub,
            "link",
            "set",
            &link,
            if up { "up" } else { "down" },
        ]));
    }

    /// Runs the quietlist binary with `args` in node `i`'s namespace (which reaches the
    /// database), as an owner would on that host.
    pub fn quietlist_on(&self, i: usize, args: &[&str]) -> std::process::Output {
        self.quietlist_on_with_stdin(i, args, "")
    }

    /// As `quietlist_on`, with `input` on standard input.
    pub fn quietlist_on_with_stdin(
        &self,
        i: usize,
        args: &[&str],
        input: &str,
    ) -> std::process::Output {
        use std::io::Write;
        let node_ns = &self.namespaces[2 + i].0;
        let data = tempfile::tempdir().expect("a data directory");
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", node_ns, env!("CARGO_BIN_EXE_quietlist")])
            .args(args);
        clear_quietlist_env(&mut command);
        command
            .env("QUIETLIST_DATA_DIR", data.path())
            .env("QUIETLIST_SECRET_KEY", SECRET_KEY)
            .env("QUIETLIST_DATABASE_URL", &self.database_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run quietlist in a namespace");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        child.wait_with_output().expect("quietlist ends")
    }

    /// `SELECT` through psql in the database's namespace; rows as text.
    pub fn sql(&self, query: &str) -> String {
        let bin = postgres_bin().unwrap_or_default();
        let out = Command::new("ip")
            .args(["netns", "exec", &self.namespaces[1].0])
            .arg(bin.join("psql"))
            .args([&self.database_url, "-qAtc", query])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &self.nodes {
            node.kill_9();
        }
        self.postgres.kill();
        let _ = ip(&["link", "del", &self.root_link]);
        // `namespaces` is dropped after this, deleting every namespace and link in them.
    }
}

fn name_static(name: &str) -> &'static str {
    match name {
        "a" => "a",
        "b" => "b",
        _ => "c",
    }
}

fn attach(hub: &str, link: &str, bridge: &str) {
    must(ip(&["-n", hub, "link", "set", link, "master", bridge]));
    must(ip(&["-n", hub, "link", "set", link, "up"]));
}

/// A veth from `host` (named `bridge` there, with `address`) to `bridge` in the hub
/// (named `hub_side` there).
fn plug(hub: &str, host: &str, bridge: &str, hub_side: &str, address: &str) {
    must(ip(&[
        "-n", host, "link", "add", bridge, "type", "veth", "peer", "name", hub_side, "netns", hub,
    ]));
    attach(hub, hub_side, bridge);
    must(ip(&["-n", host, "addr", "add", address, "dev", bridge]));
    must(ip(&["-n", host, "link", "set", bridge, "up"]));
}

fn clear_quietlist_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("QUIETLIST_") {
            command.env_remove(key);
        }
    }
}

/// initdb in a temporary folder, then the server in the database namespace, listening
/// on its back-network address only (trust for that network: it exists in this test only).
async fn start_postgres(db_ns: &str) -> (Process, tempfile::TempDir) {
    let bin = postgres_bin().expect("PostgreSQL binaries");
    let (uid, gid) = postgres_ids().expect("a postgres user");
    let dir = tempfile::tempdir().expect("a folder for PostgreSQL");
    std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown for postgres");
    let data = dir.path().join("data");
    let as_postgres = |program: &Path| {
        let mut command = Command::new("setpriv");
        command
            .args([
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".into(),
                "--".into(),
            ])
            .arg(program);
        command
    };
    let out = as_postgres(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "quietlist", "--no-sync"])
        .output()
        .expect("initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hba = data.join("pg_hba.conf");
    let mut rules = std::fs::read_to_string(&hba).unwrap_or_default();
    rules.push_str("\nhost all all 10.214.0.0/24 trust\n");
    std::fs::write(&hba, rules).expect("pg_hba.conf");
    let log = std::fs::File::create(dir.path().join("postgres.log")).expect("log file");
    std::os::unix::fs::chown(dir.path().join("postgres.log"), Some(uid), Some(gid)).ok();
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", db_ns, "setpriv"])
        .args([
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            "--clear-groups".into(),
            "--".into(),
        ])
        .arg(bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(dir.path())
        .args([
            "-c",
            &format!("listen_addresses={DB_ADDRESS}"),
            "-c",
            "fsync=off",
            "-c",
            "max_connections=120",
        ])
        .stdout(Stdio::null())
        .stderr(log);
    let process = Process::new(command.spawn().expect("start postgres"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = Command::new("ip")
            .args(["netns", "exec", db_ns])
            .arg(bin.join("pg_isready"))
            .args(["-q", "-h", DB_ADDRESS, "-p", "5432"])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.path().join("postgres.log")).unwrap_or_default();
            panic!("PostgreSQL did not start in its namespace:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (process, dir)
}

fn start_node(
    name: &'static str,
    node_ns: &str,
    address: &str,
    database_url: &str,
    smtp_url: &str,
    env: &[(&str, &str)],
) -> Node {
    let data = tempfile::tempdir().expect("a data directory");
    let log = data.path().join("quietlist.log");
    let base_url = format!("http://{address}:{NODE_PORT}");
    let mut command = Command::new("ip");
    command.args([
        "netns",
        "exec",
        node_ns,
        env!("CARGO_BIN_EXE_quietlist"),
        "serve",
        "--listen",
        &format!("{address}:{NODE_PORT}"),
    ]);
    clear_quietlist_env(&mut command);
    command
        .env("QUIETLIST_DATA_DIR", data.path().join("data"))
        .env("QUIETLIST_SECRET_KEY", SECRET_KEY)
        .env("QUIETLIST_DATABASE_URL", database_url)
        .env("QUIETLIST_SMTP_URL", smtp_url)
        .env("QUIETLIST_BASE_URL", &base_url)
        .env("QUIETLIST_LOG_FORMAT", "json")
        .env("QUIETLIST_RATE_LIMIT", "off")
        .env("QUIETLIST_FORM_MIN_SECONDS", "0")
        .env("QUIETLIST_DATABASE_POOL", "8")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("node log"));
    let child = command.spawn().expect("start quietlist in its namespace");
    Node {
        name,
        base_url,
        process: Process::new(child),
        log,
        _data: data,
    }
}
