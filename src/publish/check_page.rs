//! The checks of one report or course page: its front matter key by key, its links to
//! other pages, its images, and its citations against its reference list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;

use super::check::{Problem, line_at};
use super::markdown::{self, MarkdownError};
use super::site::{FrontMatter, PageKind, SiteSettings, split_front_matter};
use crate::domain::Slug;

/// A page file as read from the folder.
pub struct PageSource {
    pub kind: PageKind,
    pub file: String,
    pub text: String,
}

/// The addresses pages will have, for checking links and site.toml against them.
#[derive(Default)]
pub struct PageIndex {
    pub published: BTreeSet<String>,
    pub drafts: BTreeSet<String>,
    pub gone: BTreeSet<String>,
}

/// The kind of page a file in the site folder is, if it is one (`reports/*.md`,
/// `courses/*.md`, as `Site::load` reads them).
pub fn page_kind(path: &Path) -> Option<PageKind> {
    let parts: Vec<_> = path.iter().map(|p| p.to_string_lossy()).collect();
    match parts.as_slice() {
        [folder, file] if file.ends_with(".md") => match folder.as_ref() {
            "reports" => Some(PageKind::Report),
            "courses" => Some(PageKind::Course),
            _ => None,
        },
        _ => None,
    }
}

/// A page after its front matter was read: where its body starts, whether it is a draft.
struct Parsed<'a> {
    source: &'a PageSource,
    url: String,
    draft: bool,
    gone: bool,
    body: &'a str,
    /// Lines before the body's first line.
    body_offset: usize,
}

pub fn check_pages(
    sources: &[PageSource],
    settings: Option<&SiteSettings>,
    static_files: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) -> PageIndex {
    let mut index = PageIndex::default();
    let mut parsed = Vec::new();
    for source in sources {
        if let Some(page) = check_front_matter(source, settings, problems) {
            let set = if page.gone {
                &mut index.gone
            } else if page.draft {
                &mut index.drafts
            } else {
                &mut index.published
            };
            set.insert(page.url.clone());
            parsed.push(page);
        }
    }
    for page in &parsed {
        check_body(page, &index, settings, static_files, problems);
    }
    index
}

fn check_front_matter<'a>(
    source: &'a PageSource,
    settings: Option<&SiteSettings>,
    problems: &mut Vec<Problem>,
) -> Option<Parsed<'a>> {
    let file = source.file.as_str();
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Err(e) = Slug::parse(&stem) {
        problems.push(Problem::error(file, None, format!("the file name: {e}")));
    }
    let text = source.text.as_str();
    let Some((front, body)) = split_front_matter(text) else {
        problems.push(Problem::error(
            file,
            Some(1),
            "the page must start with front matter between +++ lines",
        ));
        return None;
    };
    let front_offset = line_at(text, offset_in(text, front)) - 1;
    let body_offset = line_at(text, offset_in(text, body)) - 1;
    let mut parsed = Parsed {
        source,
        url: format!("/{}/{stem}", source.kind.folder()),
        draft: false,
        gone: false,
        body,
        body_offset,
    };

    let keys: BTreeMap<String, toml::Spanned<toml::Value>> = match toml::from_str(front) {
        Ok(keys) => keys,
        Err(e) => {
            let line = e.span().map(|s| front_offset + line_at(front, s.start));
            problems.push(Problem::error(
                file,
                line,
                format!("front matter: {}", e.message().trim()),
            ));
            return Some(parsed);
        }
    };
    let mut all_valid = true;
    for (key, value) in &keys {
        let line = Some(front_offset + line_at(front, value.span().start));
        // One key at a time (beside a stand-in title), so that every unknown key and
        // every wrong type is reported, not only the first serde meets.
        let mut alone = toml::Table::new();
        alone.insert("title".into(), toml::Value::String("title".into()));
        alone.insert(key.clone(), value.get_ref().clone());
        if let Err(e) = alone.try_into::<FrontMatter>() {
            all_valid = false;
            problems.push(Problem::error(
                file,
                line,
                format!("front matter: `{key}`: {}", e.message().trim()),
            ));
            continue;
        }
        match (key.as_str(), value.get_ref()) {
            ("title", toml::Value::String(title)) if title.trim().is_empty() => {
                problems.push(Problem::error(file, line, "front matter: `title` is empty"));
            }
            ("date" | "updated", toml::Value::Datetime(d)) if d.date.is_none() => {
                problems.push(Problem::error(
                    file,
                    line,
                    format!("front matter: `{key}` needs a date (e.g. 2026-11-20)"),
                ));
            }
            ("waitlist", toml::Value::String(name)) => {
                if let Some(settings) = settings
                    && !settings.lists.iter().any(|l| l.name.as_str() == name)
                {
                    problems.push(Problem::error(
                        file,
                        line,
                        format!("waitlist {name:?} is not declared in site.toml"),
                    ));
                }
            }
            _ => {}
        }
    }
    if !keys.contains_key("title") {
        all_valid = false;
        problems.push(Problem::error(
            file,
            Some(front_offset),
            "front matter: `title` is missing",
        ));
    }
    if all_valid {
        let table: toml::Table = keys.into_iter().map(|(k, v)| (k, v.into_inner())).collect();
        if let Ok(front) = table.try_into::<FrontMatter>() {
            parsed.draft = front.draft;
            parsed.gone = front.gone;
        }
    }
    Some(parsed)
}

fn check_body(
    page: &Parsed<'_>,
    index: &PageIndex,
    settings: Option<&SiteSettings>,
    static_files: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    let file = page.source.file.as_str();
    let line_of = |offset: usize| page.body_offset + line_at(page.body, offset);
    match markdown::render(page.body) {
        // Images are checked below, each at its line.
        Ok(_) | Err(MarkdownError::ForeignImage(_)) => {}
        Err(e) => problems.push(Problem::error(file, None, e.to_string())),
    }
    let parser = Parser::new_ext(page.body, options()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(problem) = link_problem(&dest_url, page.draft, index, settings) {
                    let line = line_of(range.start);
                    problems.push(Problem::error(file, Some(line), problem));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                if let Some(problem) = image_problem(&dest_url, static_files) {
                    problems.push(Problem::error(file, Some(line_of(range.start)), problem));
                }
            }
            _ => {}
        }
    }
    check_citations(page, problems);
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What is wrong with a link to `dest` from a page (a draft or not), if anything. Only
/// this site's own addresses are checked; the web is not fetched.
fn link_problem(
    dest: &str,
    from_draft: bool,
    index: &PageIndex,
    settings: Option<&SiteSettings>,
) -> Option<String> {
    if !dest.starts_with('/') || dest.starts_with("//") {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["reports" | "courses", slug] => {
            let file = format!("{}.md", path.trim_start_matches('/'));
            if index.published.contains(path) {
                None
            } else if index.gone.contains(path) {
                Some(format!(
                    "links to {path}, a page taken down (`gone = true` in {file})"
                ))
            } else if index.drafts.contains(path) {
                (!from_draft).then(|| {
                    format!("links to {path}, a draft ({file}): readers would find no page there")
                })
            } else {
                Some(format!(
                    "links to {path}, but there is no page {slug:?} ({file} does not exist)"
                ))
            }
        }
        ["waitlists", list, ..] => {
            let settings = settings?;
            (!settings.lists.iter().any(|l| l.name.as_str() == *list))
                .then(|| format!("links to {path}, but site.toml declares no list {list:?}"))
        }
        _ => None,
    }
}

fn image_problem(dest: &str, static_files: &BTreeSet<String>) -> Option<String> {
    if dest.starts_with("//") || dest.contains("://") || dest.starts_with("data:") {
        return Some(format!(
            "image {dest:?} is on another origin; pages load nothing from other origins \
             (put the file in the site's static/ folder)"
        ));
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    match path.strip_prefix("/static/") {
        Some(name) if static_files.contains(name) => None,
        Some(name) => Some(format!(
            "image {dest:?} does not exist (no file static/{name} in the site folder)"
        )),
        None => Some(format!(
            "image {dest:?} is not served: put the file in static/ and write /static/NAME"
        )),
    }
}

const REFERENCE_HEADINGS: [&str; 4] = ["references", "sources", "bibliography", "works cited"];

static CITATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\[(\d+(?:\s*[,\u{2013}-]\s*\d+)*)\]").ok());
static HEADING: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(.*?)\s*#*\s*$").ok());
static LIST_ITEM: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^(\d{1,9})[.)]\s").ok());

/// More numbers than this in one range (`[1-100000]`) is a typo, not a citation.
const MAX_RANGE: u32 = 200;

/// `[n]` citations in the text against the numbered list under "References": a number
/// with no entry is an error, an entry never cited a warning.
fn check_citations(page: &Parsed<'_>, problems: &mut Vec<Problem>) {
    let (Some(citation), Some(heading), Some(list_item)) =
        (CITATION.as_ref(), HEADING.as_ref(), LIST_ITEM.as_ref())
    else {
        return;
    };
    let file = page.source.file.as_str();
    let mut cited: BTreeMap<u32, usize> = BTreeMap::new();
    let mut citations: Vec<(u32, usize)> = Vec::new();
    let mut references: Vec<(u32, usize)> = Vec::new();
    let mut in_references: Option<usize> = None;
    let mut fence: Option<&str> = None;
    let mut next_number: Option<u32> = None;
    for (i, line) in page.body.lines().enumerate() {
        let line_no = page.body_offset + i + 1;
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            continue;
        }
        if let Some(captures) = heading.captures(line) {
            let level = captures[1].len();
            let name = captures[2].trim().trim_end_matches(':').to_lowercase();
            if REFERENCE_HEADINGS.contains(&name.as_str()) {
                in_references = Some(level);
                next_number = None;
                continue;
            }
            if in_references.is_some_and(|open| level <= open) {
                in_references = None;
            }
        }
        if in_references.is_some() {
            if let Some(captures) = list_item.captures(line) {
                // Markdown numbers a list from its first item on, whatever the others say.
                let number = next_number.unwrap_or_else(|| captures[1].parse().unwrap_or(1));
                references.push((number, line_no));
                next_number = Some(number.saturating_add(1));
            }
            continue;
        }
        for m in citation.captures_iter(line) {
            let Some(whole) = m.get(0) else { continue };
            // `[1](url)`, `[1][ref]` and `[1]: url` are links, not citations.
            if matches!(line[whole.end()..].chars().next(), Some('(' | '[' | ':')) {
                continue;
            }
            for number in citation_numbers(&m[1]) {
                cited.entry(number).or_insert(line_no);
                citations.push((number, line_no));
            }
        }
    }
    let defined: BTreeSet<u32> = references.iter().map(|(n, _)| *n).collect();
    let mut reported = BTreeSet::new();
    for (number, line) in citations {
        if !defined.contains(&number) && reported.insert(number) {
            let message = if references.is_empty() {
                format!(
                    "cites [{number}], but the page has no numbered list under a \"References\" heading"
                )
            } else {
                format!("cites [{number}], but the References list has no entry {number}")
            };
            problems.push(Problem::error(file, Some(line), message));
        }
    }
    for (number, line) in references {
        if !cited.contains_key(&number) {
            problems.push(Problem::warning(
                file,
                Some(line),
                format!("reference {number} is never cited in the text"),
            ));
        }
    }
}

/// `4`, `1, 3`, `5–7` (en dash or hyphen) as numbers.
fn citation_numbers(inside: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in inside.split(',') {
        let mut bounds = part
            .split(['-', '\u{2013}'])
            .map(|n| n.trim().parse::<u32>());
        match (bounds.next(), bounds.next()) {
            (Some(Ok(first)), Some(Ok(last))) if first <= last && last - first <= MAX_RANGE => {
                out.extend(first..=last)
            }
            (Some(Ok(first)), None) => out.push(first),
            (Some(Ok(first)), Some(Ok(_))) => out.push(first),
            _ => {}
        }
    }
    out
}

/// Where `part` (a slice of `text`) starts in it.
fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_ranges_expand() {
        assert_eq!(citation_numbers("4"), vec![4]);
        assert_eq!(citation_numbers("1, 3"), vec![1, 3]);
        assert_eq!(citation_numbers("5\u{2013}7"), vec![5, 6, 7]);
        assert_eq!(citation_numbers("2-1"), vec![2]);
    }
}
