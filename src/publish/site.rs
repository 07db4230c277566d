//! A site: its settings file, its reports and course pages. Loaded from a folder
//! (`QUIETLIST_SITE_DIR`) or from the demo compiled into the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::markdown::{self, MarkdownError, TocEntry};
use super::references::{self, Reference};
use crate::domain::{FieldSpec, Slug};
use crate::i18n::Language;

/// `site.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    pub title: String,
    #[serde(default)]
    pub tagline: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// The promise shown beside every form and in the footer.
    pub promise: String,
    /// Who runs the site, for the footer and the privacy page.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub lists: Vec<ListSettings>,
    /// Addresses of pages taken down on purpose: they answer 410 Gone, not 404.
    #[serde(default)]
    pub gone: Vec<GonePage>,
    /// Other sites that may frame the waitlist form (`/waitlists/{list}/embed`) and send
    /// JSON signups from their pages: origins such as `"https://example.com"`. Checked
    /// and put in the form browsers send when the site loads.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// A removed page, under `[[gone]]`: `path = "/reports/old-slug"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GonePage {
    pub path: String,
}

fn default_language() -> String {
    "en".to_owned()
}

/// One waitlist, under `[[lists]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListSettings {
    pub name: Slug,
    /// What people wait for, as the form's heading says it.
    pub title: String,
    /// The course page this list belongs to, if any.
    #[serde(default)]
    pub course: Option<Slug>,
    /// The invitation above the form.
    #[serde(default)]
    pub call_to_action: String,
    /// What the person agrees to, shown beside the button; recorded with their consent.
    pub consent: String,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    #[serde(default)]
    pub cohorts: Vec<CohortSettings>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CohortSettings {
    pub name: Slug,
    pub capacity: u32,
    #[serde(default)]
    pub starts: Option<String>,
}

/// The front matter of a report or course page (TOML between `+++` lines).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Serialized as its ISO 8601 text: a TOML datetime otherwise reaches templates as a
    /// map (`{'$__toml_private_datetime': …}`), which is what `<time datetime>` printed.
    #[serde(default, serialize_with = "iso_8601")]
    pub date: Option<toml::value::Datetime>,
    #[serde(default, serialize_with = "iso_8601")]
    pub updated: Option<toml::value::Datetime>,
    #[serde(default)]
    pub authors: Vec<String>,
    /// The waitlist whose form ends this page.
    #[serde(default)]
    pub waitlist: Option<Slug>,
    /// A short note shown in a box above the text (e.g. "educational, not medical advice").
    #[serde(default)]
    pub notice: Option<String>,
    /// Drafts are not published.
    #[serde(default)]
    pub draft: bool,
    /// A page taken down on purpose: not published, and its address answers 410 Gone.
    #[serde(default)]
    pub gone: bool,
    /// Orders pages on the home page (lower first); then by date, newest first.
    #[serde(default)]
    pub weight: i64,
    /// The page's language when it is not the site's (`language = "de"`): its words, its
    /// `<html lang>`, and the mails of everyone who signs up on its form.
    #[serde(default)]
    pub language: Option<String>,
}

/// A TOML date or date-time as ISO 8601 text (`2026-11-20`, `2026-11-20T08:30:00Z`):
/// TOML writes both forms the way RFC 3339 does.
fn iso_8601<S: serde::Serializer>(
    value: &Option<toml::value::Datetime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(datetime) => serializer.serialize_some(&datetime.to_string()),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Report,
    Course,
}

impl PageKind {
    pub fn folder(self) -> &'static str {
        match self {
            Self::Report => "reports",
            Self::Course => "courses",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub kind: PageKind,
    pub slug: Slug,
    pub url: String,
    #[serde(flatten)]
    pub front: FrontMatter,
    pub date_display: Option<String>,
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// The entries of its References section, for structured data.
    pub references: Vec<Reference>,
}

/// A list with what its form needs at hand.
#[derive(Debug, Clone, Serialize)]
pub struct Waitlist {
    #[serde(flatten)]
    pub settings: ListSettings,
    /// SHA-256 (hex) of the consent text as shown (promise and consent line).
    pub consent_hash: String,
    /// The consent text as shown and recorded.
    pub consent_text: String,
    pub action: String,
    pub course_url: Option<String>,
}

/// A loaded, checked site.
#[derive(Debug, Clone)]
pub struct Site {
    pub settings: SiteSettings,
    pub pages: Vec<Page>,
    /// Pages with `draft = true`: never at their public address, in the sitemap, the
    /// feed or the home page; shown only at their preview address.
    pub drafts: Vec<Page>,
    pub waitlists: BTreeMap<String, Waitlist>,
    /// Template overrides from the site folder: name -> source.
    pub templates: BTreeMap<String, String>,
    /// Static files from the site folder: name -> bytes.
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// Paths that answer 410 Gone: `[[gone]]` in site.toml and pages with `gone = true`.
    pub gone: BTreeSet<String>,
}

/// A problem in a page's Markdown, with the file and line to fix it at. The site build
/// returns it inside its `anyhow::Error`: `error.downcast_ref::<PageProblem>()` finds it.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct PageProblem {
    /// The page's path in the site folder (`reports/x.md`).
    pub file: String,
    /// The line in that file (front matter counted).
    pub line: usize,
    pub problem: MarkdownError,
}

/// Files of a site, by path relative to its root.
pub struct SiteFiles {
    pub origin: String,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl SiteFiles {
    /// The demo site compiled into the binary.
    pub fn demo() -> Self {
        let mut files = BTreeMap::new();
        for (path, text) in super::demo::FILES {
            files.insert(PathBuf::from(path), text.as_bytes().to_vec());
        }
        Self {
            origin: "the built-in demo site".into(),
            files,
        }
    }

    /// Every file under `root` (site.toml, reports/, courses/, templates/, static/).
    pub fn read_dir(root: &Path) -> anyhow::Result<Self> {
        let mut files = BTreeMap::new();
        // Links are judged by where they really lead, so the root is resolved too.
        let real_root = root
            .canonicalize()
            .with_context(|| format!("reading the folder {}", root.display()))?;
        collect(root, &real_root, root, &mut files, 0)?;
        Ok(Self {
            origin: root.display().to_string(),
            files,
        })
    }
}

/// Folders nested deeper than this are refused (a link loop would never end otherwise).
const MAX_DEPTH: usize = 32;

fn collect(
    root: &Path,
    real_root: &Path,
    dir: &Path,
    out: &mut BTreeMap<PathBuf, Vec<u8>>,
    depth: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        depth <= MAX_DEPTH,
        "{} is nested more than {MAX_DEPTH} folders deep (a link loop?)",
        dir.display()
    );
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading the folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let mut is_dir = entry.file_type()?.is_dir();
        if entry.file_type()?.is_symlink() {
            // A link may point elsewhere in the folder; one that leads out of it would
            // publish a file the owner never put there (a key, /etc/passwd...).
            let target = path
                .canonicalize()
                .with_context(|| format!("{}: the link cannot be followed", relative.display()))?;
            anyhow::ensure!(
                target.starts_with(real_root),
                "{}: this link leads outside the site folder (to {}), and is not published; \
                 copy the file into the folder instead",
                relative.display(),
                target.display()
            );
            is_dir = target.is_dir();
        }
        if is_dir {
            collect(root, real_root, &path, out, depth + 1)?;
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            out.insert(relative, bytes);
        }
    }
    Ok(())
}

impl Waitlist {
    /// The custom fields' names: the export's last columns.
    pub fn field_names(&self) -> Vec<String> {
        self.settings
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }
}

impl Site {
    pub fn load(source: &SiteFiles) -> anyhow::Result<Self> {
        // Every problem at once, each at its line (`quietlist check` prints the same).
        let problems = super::check::check(&source.files);
        if problems.iter().any(super::check::Problem::is_error) {
            return Err(super::check::SiteProblems { problems }.into());
        }
        for warning in &problems {
            tracing::warn!(problem = %warning, "the site folder has a warning");
        }
        let settings_bytes = source
            .files
            .get(Path::new("site.toml"))
            .with_context(|| format!("{} has no site.toml", source.origin))?;
        let settings: SiteSettings = toml::from_str(&utf8(settings_bytes, "site.toml")?)
            .map_err(|e| anyhow::anyhow!("site.toml: {e}"))?;
        check_settings(&settings)?;
        Language::parse(&settings.language).map_err(|e| anyhow::anyhow!("site.toml: {e}"))?;

        // Static files first: pages read their images' sizes from them.
        let mut static_files = BTreeMap::new();
        for (path, bytes) in &source.files {
            let mut parts = path.iter().map(|p| p.to_string_lossy().into_owned());
            if let (Some(folder), Some(file), None) = (parts.next(), parts.next(), parts.next())
                && folder == "static"
            {
                static_files.insert(file, bytes.clone());
            }
        }
        let mut pages = Vec::new();
        let mut templates = BTreeMap::new();
        for (path, bytes) in &source.files {
            let display = path.display().to_string();
            let mut parts = path.iter().map(|p| p.to_string_lossy().into_owned());
            let folder = parts.next().unwrap_or_default();
            let rest: Vec<String> = parts.collect();
            match (folder.as_str(), rest.as_slice()) {
                ("reports", [file]) if file.ends_with(".md") => pages.push(load_page(
                    PageKind::Report,
                    file,
                    &utf8(bytes, &display)?,
                    &display,
                    &static_files,
                )?),
                ("courses", [file]) if file.ends_with(".md") => pages.push(load_page(
                    PageKind::Course,
                    file,
                    &utf8(bytes, &display)?,
                    &display,
                    &static_files,
                )?),
                ("templates", [..]) if !rest.is_empty() => {
                    templates.insert(rest.join("/"), utf8(bytes, &display)?);
                }
                _ => {}
            }
        }
        for page in &pages {
            if let Some(tag) = &page.front.language {
                Language::parse(tag)
                    .map_err(|e| anyhow::anyhow!("{}/{}.md: {e}", page.kind.folder(), page.slug))?;
            }
        }
        let (drafts, mut pages): (Vec<Page>, Vec<Page>) = pages
            .into_iter()
            .partition(|p| p.front.draft && !p.front.gone);
        pages.retain(|p| !p.front.draft);
        let gone = gone_paths(&settings, &mut pages)?;
        let mut settings = settings;
        settings.allowed_origins =
            super::origins::parse_allowed_origins(&settings.allowed_origins)?;
        pages.sort_by(|a, b| {
            a.front
                .weight
                .cmp(&b.front.weight)
                .then_with(|| date_key(b).cmp(&date_key(a)))
                .then_with(|| a.slug.cmp(&b.slug))
        });

        let waitlists = settings
            .lists
            .iter()
            .map(|list| (list.name.to_string(), waitlist(&settings, list)))
            .collect::<BTreeMap<_, _>>();
        for page in &pages {
            if let Some(list) = &page.front.waitlist
                && !waitlists.contains_key(list.as_str())
            {
                anyhow::bail!(
                    "{}/{}.md: waitlist {:?} is not declared in site.toml",
                    page.kind.folder(),
                    page.slug,
                    list.as_str()
                );
            }
        }
        for list in &settings.lists {
            if let Some(course) = &list.course
                && !pages
                    .iter()
                    .any(|p| p.kind == PageKind::Course && &p.slug == course)
            {
                anyhow::bail!(
                    "site.toml: list {:?} names course {:?}, but courses/{}.md does not exist",
                    list.name.as_str(),
                    course.as_str(),
                    course
                );
            }
        }
        Ok(Self {
            settings,
            pages,
            drafts,
            waitlists,
            templates,
            static_files,
            gone,
        })
    }

    pub fn page(&self, kind: PageKind, slug: &str) -> Option<&Page> {
        self.pages
            .iter()
            .find(|p| p.kind == kind && p.slug.as_str() == slug)
    }

    pub fn waitlist(&self, name: &str) -> Option<&Waitlist> {
        self.waitlists.get(name)
    }

    /// The site's language (checked when the site was loaded).
    pub fn language(&self) -> Language {
        Language::parse(&self.settings.language).unwrap_or(Language::English)
    }

    /// A page's own language, or the site's.
    pub fn page_language(&self, page: &Page) -> Language {
        page.front
            .language
            .as_deref()
            .and_then(|tag| Language::parse(tag).ok())
            .unwrap_or_else(|| self.language())
    }

    /// The language a form said it was in (`lang`), if quietlist speaks it; otherwise
    /// the site's.
    pub fn language_or_default(&self, tag: Option<&str>) -> Language {
        tag.and_then(|tag| Language::parse(tag).ok())
            .unwrap_or_else(|| self.language())
    }
}

/// Takes the pages marked `gone` out of `pages` and returns every address that answers
/// 410: theirs and the ones site.toml lists. A gone address that is also published is a
/// mistake the owner should hear about, not a page that silently wins.
fn gone_paths(settings: &SiteSettings, pages: &mut Vec<Page>) -> anyhow::Result<BTreeSet<String>> {
    let mut gone = BTreeSet::new();
    for entry in &settings.gone {
        let path = entry.path.trim();
        anyhow::ensure!(
            path.starts_with('/')
                && path.len() > 1
                && !path.contains(|c: char| c.is_whitespace() || c == '?' || c == '#'),
            "site.toml: [[gone]] path {:?} must be an address on this site such as \"/reports/old-slug\"",
            entry.path
        );
        gone.insert(path.trim_end_matches('/').to_owned());
    }
    pages.retain(|page| {
        if page.front.gone {
            gone.insert(page.url.clone());
        }
        !page.front.gone
    });
    if let Some(page) = pages.iter().find(|p| gone.contains(&p.url)) {
        anyhow::bail!(
            "site.toml: [[gone]] path {:?} is the address of {}/{}.md, which is published; \
             remove one or the other",
            page.url,
            page.kind.folder(),
            page.slug
        );
    }
    Ok(gone)
}

fn date_key(page: &Page) -> String {
    page.front
        .date
        .as_ref()
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn utf8(bytes: &[u8], name: &str) -> anyhow::Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| anyhow::anyhow!("{name}: not valid UTF-8"))
}

fn check_settings(settings: &SiteSettings) -> anyhow::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for list in &settings.lists {
        anyhow::ensure!(
            seen.insert(list.name.as_str()),
            "site.toml: list {:?} is declared twice",
            list.name.as_str()
        );
        for field in &list.fields {
            field.check().map_err(|problem| {
                anyhow::anyhow!("site.toml: list {:?}: {problem}", list.name.as_str())
            })?;
        }
        let mut cohorts = std::collections::HashSet::new();
        for cohort in &list.cohorts {
            anyhow::ensure!(
                cohorts.insert(cohort.name.as_str()),
                "site.toml: list {:?}: cohort {:?} is declared twice",
                list.name.as_str(),
                cohort.name.as_str()
            );
        }
    }
    Ok(())
}

fn waitlist(settings: &SiteSettings, list: &ListSettings) -> Waitlist {
    let consent_text = format!("{}\n{}", settings.promise.trim(), list.consent.trim());
    let consent_hash = hex::encode(Sha256::digest(consent_text.as_bytes()));
    Waitlist {
        settings: list.clone(),
        consent_hash,
        consent_text,
        action: format!("/waitlists/{}/signups", list.name),
        course_url: list.course.as_ref().map(|c| format!("/courses/{c}")),
    }
}

fn load_page(
    kind: PageKind,
    file: &str,
    text: &str,
    display: &str,
    static_files: &BTreeMap<String, Vec<u8>>,
) -> anyhow::Result<Page> {
    let stem = file.trim_end_matches(".md");
    let slug = Slug::parse(stem).map_err(|e| anyhow::anyhow!("{display}: the file name: {e}"))?;
    let (front, body) = split_front_matter(text).ok_or_else(|| {
        anyhow::anyhow!("{display}: the page must start with front matter between +++ lines")
    })?;
    let front: FrontMatter =
        toml::from_str(front).map_err(|e| anyhow::anyhow!("{display}: front matter: {e}"))?;
    // A time of day alone is no date for `<time datetime>` or a reader.
    for (field, value) in [("date", &front.date), ("updated", &front.updated)] {
        if value.as_ref().is_some_and(|d| d.date.is_none()) {
            anyhow::bail!("{display}: front matter: `{field}` needs a date (e.g. 2026-11-20)");
        }
    }
    let rendered = markdown::render_page(body, static_files).map_err(|problem| {
        // The body is the end of the file: its line 1 follows the front matter's lines.
        let body_starts_at = text[..text.len() - body.len()].matches('\n').count();
        PageProblem {
            file: display.to_owned(),
            line: body_starts_at + problem.line(),
            problem,
        }
    })?;
    let date_display = front.date.as_ref().and_then(|d| d.date).map(|d| {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS
            .get(usize::from(d.month).saturating_sub(1))
            .copied()
            .unwrap_or("");
        format!("{} {} {}", d.day, month, d.year)
    });
    Ok(Page {
        kind,
        url: format!("/{}/{}", kind.folder(), slug),
        slug,
        front,
        date_display,
        html: rendered.html,
        toc: rendered.toc,
        references: references::from_markdown(body),
    })
}

/// Splits `+++\n<toml>\n+++\n<markdown>`.
pub(crate) fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("+++")?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let end = rest.find("\n+++")?;
    let front = &rest[..end];
    let after = &rest[end + 4..];
    let body = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .unwrap_or(after);
    Some((front, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> SiteFiles {
        SiteFiles {
            origin: "test".into(),
            files: entries
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
                .collect(),
        }
    }

    const SETTINGS: &str = r#"
title = "T"
promise = "Never spam."
[[lists]]
name = "pilot"
title = "Pilot"
consent = "One mail to confirm."
course = "c"
"#;

    #[test]
    fn an_unknown_language_in_site_toml_is_a_clear_error() {
        let settings = format!("language = \"xx\"\n{SETTINGS}");
        let error = Site::load(&files(&[
            ("site.toml", &settings),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nText."),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("site.toml:") && error.contains("\"xx\"") && error.contains("en, de"),
            "{error}"
        );
    }

    #[test]
    fn a_page_in_an_unknown_language_is_an_error_naming_its_file() {
        let error = Site::load(&files(&[
            ("site.toml", SETTINGS),
            (
                "courses/c.md",
                "+++\ntitle = \"C\"\nlanguage = \"klingon\"\n+++\nText.",
            ),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("courses/c.md:") && error.contains("\"klingon\""),
            "{error}"
        );
    }

    #[test]
    fn a_page_in_german_on_an_english_site_is_german() {
        let site = Site::load(&files(&[
            ("site.toml", SETTINGS),
            (
                "courses/c.md",
                "+++\ntitle = \"C\"\nlanguage = \"de\"\n+++\nText.",
            ),
        ]))
        .unwrap();
        let page = site.page(PageKind::Course, "c").unwrap();
        assert_eq!(site.language(), Language::English);
        assert_eq!(site.page_language(page), Language::German);
    }

    #[test]
    fn the_demo_site_loads() {
        let site = Site::load(&SiteFiles::demo()).unwrap();
        assert!(site.waitlist("pilot-course").is_some());
        assert!(
            site.page(PageKind::Report, "ketamine-rapid-antidepressant")
                .is_some()
        );
        assert!(
            site.page(PageKind::Course, "essential-business-foundations")
                .is_some()
        );
    }

    #[test]
    fn front_matter_errors_name_the_file() {
        let err = Site::load(&files(&[
            ("site.toml", SETTINGS),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nhi"),
            ("reports/r.md", "+++\ntitel = \"typo\"\n+++\nbody"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("reports/r.md"), "{err}");
    }

    #[test]
    fn pages_must_name_declared_waitlists() {
        let err = Site::load(&files(&[
            ("site.toml", SETTINGS),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nhi"),
            (
                "reports/r.md",
                "+++\ntitle = \"R\"\nwaitlist = \"nope\"\n+++\nbody",
            ),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn drafts_are_not_published_and_consent_is_hashed() {
        let site = Site::load(&files(&[
            ("site.toml", SETTINGS),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nhi"),
            (
                "reports/r.md",
                "+++\ntitle = \"R\"\ndraft = true\n+++\nbody",
            ),
        ]))
        .unwrap();
        assert!(site.page(PageKind::Report, "r").is_none());
        let list = site.waitlist("pilot").unwrap();
        assert_eq!(list.consent_hash.len(), 64);
        assert!(list.consent_text.contains("Never spam."));
    }

    #[test]
    fn an_image_without_alt_is_a_problem_naming_file_and_line() {
        let error = Site::load(&files(&[
            ("site.toml", SETTINGS),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nhi"),
            ("static/chart.png", "whatever"),
            (
                "reports/r.md",
                "+++\ntitle = \"R\"\n+++\nIntro.\n\n![](/static/chart.png)\n",
            ),
        ]))
        .unwrap_err();
        let problems = error
            .downcast_ref::<super::super::check::SiteProblems>()
            .expect("the problems, typed");
        assert!(
            problems.problems.iter().any(|p| p.file == "reports/r.md"
                && p.line == Some(6)
                && p.message.contains("has no alt text")),
            "{error}"
        );
    }

    #[test]
    fn an_image_file_that_is_no_image_is_a_page_problem_naming_file_and_line() {
        // The checks see that the file exists; only the build reads its size.
        let error = Site::load(&files(&[
            ("site.toml", SETTINGS),
            ("courses/c.md", "+++\ntitle = \"C\"\n+++\nhi"),
            ("static/chart.png", "not an image"),
            (
                "reports/r.md",
                "+++\ntitle = \"R\"\n+++\nIntro.\n\n![A chart](/static/chart.png)\n",
            ),
        ]))
        .unwrap_err();
        let problem = error
            .downcast_ref::<PageProblem>()
            .expect("a typed problem");
        assert_eq!((problem.file.as_str(), problem.line), ("reports/r.md", 6));
        assert!(
            matches!(problem.problem, MarkdownError::ImageUnreadable { .. }),
            "{error}"
        );
        assert!(
            error.to_string().starts_with("reports/r.md:6: image"),
            "{error}"
        );
    }

    #[test]
    fn a_page_date_serializes_as_iso_8601_and_a_time_alone_is_refused() {
        let page =
            "+++\ntitle = \"R\"\ndate = 2026-11-20\nupdated = 2026-11-21T08:30:00Z\n+++\nText.\n";
        let page = load_page(
            PageKind::Report,
            "r.md",
            page,
            "reports/r.md",
            &BTreeMap::new(),
        )
        .unwrap();
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["date"], "2026-11-20");
        assert_eq!(json["updated"], "2026-11-21T08:30:00Z");

        let timed = "+++\ntitle = \"R\"\ndate = 07:32:00\n+++\nText.\n";
        let error = load_page(
            PageKind::Report,
            "r.md",
            timed,
            "reports/r.md",
            &BTreeMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("reports/r.md") && error.contains("`date` needs a date"),
            "{error}"
        );
    }
}
