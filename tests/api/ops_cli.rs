//! The command line as a new owner meets it: an import of thousands of rows with rounded
//! figures and nothing else on the terminal, and `--json` for scripts.

use std::path::Path;

use crate::helpers::*;

fn run(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = quietlist_command_on(data_dir)
        .args(args)
        .output()
        .expect("run quietlist");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn consented_csv(rows: usize) -> String {
    let mut csv = String::from("email,name,consent_at,consent_source\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "person-{i:05}@example.com,Person {i},2026-01-05T10:00:00Z,old-tool signup form\n"
        ));
    }
    csv
}

#[test]
fn an_import_of_thousands_prints_grouped_numbers_a_rounded_rate_and_no_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("people.csv");
    std::fs::write(&file, consented_csv(5_000)).unwrap();
    let (ok, stdout, stderr) = run(
        &data,
        &["import", LIST, file.to_str().unwrap(), "--with-consent"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5,000 rows read"), "{stdout}");
    assert!(stdout.contains("5,000 added (5,000 confirmed"), "{stdout}");
    let rate = regex::Regex::new(r"\((\d{1,3}(,\d{3})*|\d\.\d)/s\)").unwrap();
    assert!(rate.is_match(&stdout), "no rounded rate: {stdout}");
    assert!(
        !regex::Regex::new(r"\d\.\d{2,}/s")
            .unwrap()
            .is_match(&stdout),
        "an unrounded rate: {stdout}"
    );
    // Not a terminal: no progress bar; not -v: no INFO lines (a new key's warning stays).
    assert!(!stderr.contains("INFO"), "log lines mixed in: {stderr}");
    assert!(!stderr.contains("applied database migration"), "{stderr}");
    assert!(!stderr.contains('%'), "a progress bar on a pipe: {stderr}");

    let (ok, _, stderr) = run(&data, &["-v", "export", LIST]);
    assert!(ok);
    assert!(
        stderr.contains("INFO"),
        "-v shows the informational lines: {stderr}"
    );
}

#[test]
fn export_and_invite_speak_json_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("people.csv");
    std::fs::write(&file, consented_csv(3)).unwrap();
    let (ok, _, stderr) = run(
        &data,
        &["import", LIST, file.to_str().unwrap(), "--with-consent"],
    );
    assert!(ok, "{stderr}");

    let (ok, stdout, stderr) = run(&data, &["export", LIST, "--json"]);
    assert!(ok, "{stderr}");
    let people: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(people.len(), 3);
    assert_eq!(people[0]["email"], "person-00000@example.com");
    assert_eq!(people[0]["status"], "confirmed");
    assert_eq!(people[0]["position"], 1);
    assert_eq!(people[0]["name"], "Person 0");
    assert!(people[0]["undeliverable_since"].is_null());
    assert!(people[0]["fields"].is_object());

    let (ok, stdout, stderr) = run(&data, &["invite", LIST, "--next", "2", "--json"]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one object");
    assert_eq!(report["invited"], 2);
    assert_eq!(report["asked"], 2);
    assert_eq!(report["waiting_before"], 3);
    assert_eq!(report["list"], LIST);

    let (ok, stdout, _) = run(&data, &["audit", "--json"]);
    assert!(ok);
    for line in stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("audit --json lines");
    }
    assert!(
        stdout.lines().count() >= 3,
        "import, export, invite audited"
    );
}
