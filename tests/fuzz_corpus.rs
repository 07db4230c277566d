//! Replays every committed fuzz corpus file (fuzz/corpus/TARGET/*) through the same
//! function the libFuzzer target calls, so a machine without cargo-fuzz still checks
//! every input the fuzzers kept, and every crash that was fixed stays fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quietlist::fuzzing::{TARGETS, corpus_dir};

fn replay(target: &str) {
    let (_, run) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no target {target}"));
    let dir = corpus_dir(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        // Name the file that failed; the panic message says which property.
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target}: {} fails", file.display());
    }
}

#[test]
fn every_target_has_a_corpus_and_a_test() {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "email",
            "signup",
            "markdown",
            "site_page",
            "csv_import",
            "token",
            "mail"
        ]
    );
}

#[test]
fn the_email_corpus_passes() {
    replay("email");
}

#[test]
fn the_signup_corpus_passes() {
    replay("signup");
}

#[test]
fn the_markdown_corpus_passes() {
    replay("markdown");
}

#[test]
fn the_site_page_corpus_passes() {
    replay("site_page");
}

#[test]
fn the_csv_import_corpus_passes() {
    replay("csv_import");
}

#[test]
fn the_token_corpus_passes() {
    replay("token");
}

#[test]
fn the_mail_corpus_passes() {
    replay("mail");
}
