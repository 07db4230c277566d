//! The import matrix: the edges (`src/http/`, `src/cli.rs` and `src/cli/`) parse, call a use case and
//! render; none of them may reach the store. Read from the source, so that a new handler
//! that takes a shortcut to the database fails here, naming the file and the line.

use std::path::{Path, PathBuf};

use regex::Regex;

/// Items of `crate::store` an edge may name: plain data and clocks, nothing that calls it.
/// `sqlite::Durability` is a setting the CLI turns into the config, not a handle.
const PLAIN_STORE_ITEMS: &[&str] = &[
    "StoreError",
    "Millis",
    "now_millis",
    "SECOND",
    "HOUR",
    "DAY",
    "DailyStat",
    "sqlite::Durability",
];

fn edge_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("src/cli.rs")];
    let mut folders = vec![root.join("src/http"), root.join("src/cli")];
    while let Some(folder) = folders.pop() {
        // `src/cli/` holds command modules once `cli.rs` grows; absent is fine.
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every way an edge file could reach the store, as `file:line: what`.
fn store_calls(path: &Path, source: &str) -> Vec<String> {
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string();
    let handles = [
        (
            Regex::new(r"\.store\b").unwrap(),
            "reaches a `store` handle",
        ),
        // A SQLite handle (`core.sqlite`, `app.sqlite()`), not the SQLite settings
        // (`config.database.sqlite`).
        (
            Regex::new(r"\b(core|app|self)\.sqlite\b|\.sqlite\(\)").unwrap(),
            "reaches the SQLite store",
        ),
        (
            Regex::new(r"\bstore\s*:([^:]|$)").unwrap(),
            "hands a store to something",
        ),
        // Not after `::`: an error's `Store(..)` variant is data, not a handle.
        (
            Regex::new(r"(^|[^:])\b(dyn\s+)?(Sqlite)?Store\b").unwrap(),
            "names the `Store` trait or a backend",
        ),
    ];
    let import = Regex::new(r"crate::store(::(\{[^}]*\}|[A-Za-z_:]+))?").unwrap();
    let line_of = |offset: usize| source[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (pattern, what) in &handles {
            if pattern.is_match(code) {
                found.push(format!("{shown}:{}: {what}: {}", i + 1, line.trim()));
            }
        }
    }
    for m in import.captures_iter(source) {
        let whole = m.get(0).unwrap();
        let items: Vec<String> = match m.get(2) {
            Some(path) => path
                .as_str()
                .trim_matches(['{', '}'])
                .split(',')
                .map(|item| first_item(item.trim()))
                .filter(|item| !item.is_empty())
                .collect(),
            None => vec!["(the module itself)".to_owned()],
        };
        for item in items {
            if !PLAIN_STORE_ITEMS.contains(&item.as_str()) {
                found.push(format!(
                    "{shown}:{}: imports `crate::store::{item}`",
                    line_of(whole.start())
                ));
            }
        }
    }
    found
}

/// `UnsubscribeOutcome::Unknown` is the item `UnsubscribeOutcome`; `sqlite::X` keeps both.
fn first_item(path: &str) -> String {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some("sqlite"), Some(item)) => format!("sqlite::{item}"),
        (Some(first), _) => first.to_owned(),
        (None, _) => String::new(),
    }
}

#[test]
fn no_http_or_cli_file_calls_the_store() {
    let mut found = Vec::new();
    for path in edge_files() {
        let source = std::fs::read_to_string(&path).unwrap();
        found.extend(store_calls(&path, &source));
    }
    assert!(
        found.is_empty(),
        "the edges must call use cases, not the store ({} places):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_matrix_sees_a_handler_that_takes_a_shortcut() {
    let shortcut = "use crate::store::{AuditEntry, now_millis};\n\
                    async fn h(state: AppState) {\n    state.waitlists.store.audit(x).await;\n}\n";
    let found = store_calls(Path::new("src/http/shortcut.rs"), shortcut);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| f.contains(":3: reaches a `store` handle"))
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains(":1: imports `crate::store::AuditEntry`"))
    );
}

#[test]
fn the_sqlite_settings_are_not_a_store_handle() {
    let settings = "config.database.sqlite.durability = Durability::Full;\n";
    assert!(store_calls(Path::new("src/cli.rs"), settings).is_empty());
    let handle = "let db = core.sqlite.clone();\n";
    assert_eq!(store_calls(Path::new("src/cli.rs"), handle).len(), 1);
}
