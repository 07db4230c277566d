//! Checking a site folder: every problem an author can fix, each with its file and line,
//! all at once. `quietlist check`, the server's start and its reloads all run this, so a
//! site that passes `check` is one the server publishes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

pub use super::check_page::page_kind;
use super::check_page::{self, PageSource};
use super::site::SiteSettings;

/// How bad a problem is: errors stop the site from being published; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong in a site folder, where the author can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the site folder (`reports/x.md`, `site.toml`).
    pub file: String,
    /// 1-based line in that file, when the problem has one.
    pub line: Option<usize>,
    pub severity: Severity,
    pub message: String,
}

impl Problem {
    pub fn error(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, line, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `FILE:LINE: message`, as compilers print them (editors jump to the line).
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match self.severity {
            Severity::Error => write!(f, ": {}", self.message),
            Severity::Warning => write!(f, ": warning: {}", self.message),
        }
    }
}

/// The errors that keep a site from being published, all of them.
#[derive(Debug, Clone, thiserror::Error)]
pub struct SiteProblems {
    pub problems: Vec<Problem>,
}

impl fmt::Display for SiteProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.problems.iter().filter(|p| p.is_error()).count();
        write!(
            f,
            "the site has {errors} {}:",
            if errors == 1 { "error" } else { "errors" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Every problem in a site's files, in file and line order.
pub fn check(files: &BTreeMap<std::path::PathBuf, Vec<u8>>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let settings = check_settings_file(files, &mut problems);

    let mut sources = Vec::new();
    for (path, bytes) in files {
        let Some(kind) = check_page::page_kind(path) else {
            continue;
        };
        let file = path.display().to_string();
        match std::str::from_utf8(bytes) {
            Ok(text) => sources.push(PageSource {
                kind,
                file,
                text: text.to_owned(),
            }),
            Err(_) => problems.push(Problem::error(&file, None, "not valid UTF-8")),
        }
    }
    let static_files: BTreeSet<String> = files
        .keys()
        .filter_map(|p| p.strip_prefix("static").ok())
        .map(|p| p.display().to_string())
        .collect();
    let pages = check_page::check_pages(
        &sources,
        settings.as_ref().map(|(s, _)| s),
        &static_files,
        &mut problems,
    );
    if let Some((settings, text)) = &settings {
        check_settings_against_pages(settings, text, &pages, &mut problems);
    }
    problems.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.severity).cmp(&(b.file.as_str(), b.line, b.severity))
    });
    problems.dedup();
    problems
}

/// Reads site.toml: its syntax and types (the first such error: TOML stops there), then
/// the rules serde cannot express, each at its line.
fn check_settings_file(
    files: &BTreeMap<std::path::PathBuf, Vec<u8>>,
    problems: &mut Vec<Problem>,
) -> Option<(SiteSettings, String)> {
    const FILE: &str = "site.toml";
    let Some(bytes) = files.get(Path::new(FILE)) else {
        problems.push(Problem::error(
            FILE,
            None,
            "missing: every site folder needs a site.toml (title, promise, [[lists]])",
        ));
        return None;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        problems.push(Problem::error(FILE, None, "not valid UTF-8"));
        return None;
    };
    let settings: SiteSettings = match toml::from_str(text) {
        Ok(settings) => settings,
        Err(e) => {
            let line = e.span().map(|span| line_at(text, span.start));
            problems.push(Problem::error(FILE, line, e.message().trim()));
            return None;
        }
    };
    let mut lists = BTreeSet::new();
    for (index, list) in settings.lists.iter().enumerate() {
        let name = list.name.as_str();
        let line = nth_line_with(text, &format!("name = {:?}", name), 0)
            .or_else(|| nth_line_with(text, "[[lists]]", index));
        if !lists.insert(name) {
            problems.push(Problem::error(
                FILE,
                nth_line_with(text, &format!("name = {:?}", name), 1).or(line),
                format!("list {name:?} is declared twice"),
            ));
        }
        for field in &list.fields {
            if let Err(problem) = field.check() {
                let field_line = nth_line_with(text, &format!("name = {:?}", field.name), 0);
                problems.push(Problem::error(
                    FILE,
                    field_line.or(line),
                    format!("list {name:?}: {problem}"),
                ));
            }
        }
        let mut cohorts = BTreeSet::new();
        for cohort in &list.cohorts {
            if !cohorts.insert(cohort.name.as_str()) {
                problems.push(Problem::error(
                    FILE,
                    nth_line_with(text, &format!("name = {:?}", cohort.name.as_str()), 1),
                    format!(
                        "list {name:?}: cohort {:?} is declared twice",
                        cohort.name.as_str()
                    ),
                ));
            }
        }
    }
    for entry in &settings.gone {
        let path = entry.path.trim();
        let valid = path.starts_with('/')
            && path.len() > 1
            && !path.contains(|c: char| c.is_whitespace() || c == '?' || c == '#');
        if !valid {
            problems.push(Problem::error(
                FILE,
                nth_line_with(text, &format!("{:?}", entry.path), 0),
                format!(
                    "[[gone]] path {:?} must be an address on this site such as \"/reports/old-slug\"",
                    entry.path
                ),
            ));
        }
    }
    Some((settings, text.to_owned()))
}

/// What site.toml says about pages that must (or must not) exist.
fn check_settings_against_pages(
    settings: &SiteSettings,
    text: &str,
    pages: &check_page::PageIndex,
    problems: &mut Vec<Problem>,
) {
    for list in &settings.lists {
        if let Some(course) = &list.course
            && !pages.published.contains(&format!("/courses/{course}"))
        {
            problems.push(Problem::error(
                "site.toml",
                nth_line_with(text, &format!("course = {:?}", course.as_str()), 0),
                format!(
                    "list {:?} names course {:?}, but courses/{course}.md does not exist{}",
                    list.name.as_str(),
                    course.as_str(),
                    if pages.drafts.contains(&format!("/courses/{course}")) {
                        " (it is a draft)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    for entry in &settings.gone {
        let path = entry.path.trim().trim_end_matches('/');
        if pages.published.contains(path) {
            problems.push(Problem::error(
                "site.toml",
                nth_line_with(text, &format!("{:?}", entry.path), 0),
                format!(
                    "[[gone]] path {path:?} is the address of {}.md, which is published; \
                     remove one or the other",
                    path.trim_start_matches('/')
                ),
            ));
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The 1-based line of the `nth` (0-based) line containing `needle`.
pub(crate) fn nth_line_with(text: &str, needle: &str, nth: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .nth(nth)
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<PathBuf, Vec<u8>> {
        entries
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
            .collect()
    }

    const SETTINGS: &str = "title = \"T\"\npromise = \"P\"\n\n[[lists]]\nname = \"pilot\"\ntitle = \"Pilot\"\nconsent = \"C\"\ncourse = \"c\"\n";

    #[test]
    fn the_demo_site_has_no_problems() {
        let demo = super::super::SiteFiles::demo();
        let problems = check(&demo.files);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let problems = check(&files(&[
            ("site.toml", SETTINGS),
            (
                "courses/c.md",
                "+++\ntitle = \"C\"\n+++\nSee [the report](/reports/nope).\n",
            ),
            (
                "reports/r.md",
                "+++\ntitel = \"typo\"\ndraft = \"yes\"\nwaitlist = \"ghost\"\ndate = 12:00:00\n+++\n\nSaid [3].\n\n![x](/static/missing.png)\n\n## References\n\n1. Cited nowhere.\n",
            ),
        ]));
        let printed: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "courses/c.md:4: ",
            "reports/r.md:1: ",
            "reports/r.md:2: ",
            "reports/r.md:3: ",
            "reports/r.md:4: ",
            "reports/r.md:5: ",
            "reports/r.md:8: ",
            "reports/r.md:10: ",
            "reports/r.md:14: warning: ",
        ];
        assert_eq!(printed.len(), expect.len(), "{printed:#?}");
        for (line, prefix) in printed.iter().zip(expect) {
            assert!(
                line.starts_with(prefix),
                "{line} should start with {prefix}"
            );
        }
    }

    #[test]
    fn a_syntax_error_in_site_toml_names_its_line() {
        let problems = check(&files(&[("site.toml", "title = \"T\"\npromise = \n")]));
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].file, "site.toml");
        assert_eq!(problems[0].line, Some(2));
    }
}
