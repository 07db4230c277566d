//! `quietlist new report|course SLUG`: a page skeleton in the site folder, which
//! `quietlist check` passes (it starts as a draft).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;

use crate::domain::Slug;
use crate::publish::site::SiteSettings;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NewKind {
    Report,
    Course,
}

/// Writes `reports/SLUG.md` or `courses/SLUG.md` into `site_dir` and returns its path;
/// refuses a bad slug, a folder with no site.toml and an existing file.
pub fn new_page(site_dir: Option<&Path>, kind: NewKind, slug: &str) -> anyhow::Result<PathBuf> {
    let site_dir = site_dir.context(
        "no site folder: give --site-dir DIR (or QUIETLIST_SITE_DIR), the folder with site.toml \
         that `quietlist serve --site-dir DIR` publishes",
    )?;
    let slug = Slug::parse(slug).map_err(|e| anyhow::anyhow!("the slug {slug:?}: {e}"))?;
    let settings_path = site_dir.join("site.toml");
    let settings = std::fs::read_to_string(&settings_path).with_context(|| {
        format!(
            "{} has no readable site.toml: is it a site folder?",
            site_dir.display()
        )
    })?;
    // The declared lists, offered in the skeleton; a broken site.toml offers none.
    let lists: Vec<String> = toml::from_str::<SiteSettings>(&settings)
        .map(|s| s.lists.iter().map(|l| l.name.to_string()).collect())
        .unwrap_or_default();
    let folder = site_dir.join(match kind {
        NewKind::Report => "reports",
        NewKind::Course => "courses",
    });
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("creating the folder {}", folder.display()))?;
    let path = folder.join(format!("{slug}.md"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists; it is left as it is (choose another slug, or edit it)",
                path.display()
            ),
            _ => anyhow::Error::new(e).context(format!("writing {}", path.display())),
        })?;
    file.write_all(skeleton(kind, &slug, &lists, &today()).as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// "my-first-report" -> "My first report": a title to replace, not to keep.
fn title_from(slug: &Slug) -> String {
    let words = slug.as_str().replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn skeleton(kind: NewKind, slug: &Slug, lists: &[String], today: &str) -> String {
    let title = title_from(slug);
    let waitlist = match lists.first() {
        Some(first) => format!(
            "# The waitlist whose form ends the page (declared in site.toml: {}).\n# waitlist = {first:?}\n",
            lists.join(", ")
        ),
        None => "# The waitlist whose form ends the page, once site.toml declares one.\n# waitlist = \"name\"\n".to_owned(),
    };
    match kind {
        NewKind::Report => format!(
            r#"+++
title = {title:?}
description = "One or two sentences: what a reader learns here (search results and shared links show it)."
date = {today}
authors = []
{waitlist}# A short note in a box above the text, e.g. "An educational overview, not medical advice."
# notice = ""
# Readable only at its preview address (`quietlist preview /reports/{slug}`) until set to false.
draft = true
+++

The opening paragraph: what this report covers and for whom.

## First section

Cite a source by its number in the list below, like this [1].

## References

1. Author A, Author B. Title of the paper. *Journal*. Year;Volume(Issue):pages. doi:10.0000/example
"#
        ),
        NewKind::Course => format!(
            r#"+++
title = {title:?}
description = "One or two sentences: who the course is for and what it covers."
{waitlist}# Orders pages on the home page (lower first).
weight = 0
# Readable only at its preview address (`quietlist preview /courses/{slug}`) until set to false.
draft = true
+++

Who this course is for, and what they will be able to do afterwards.

## What the course covers

- The first topic.
- The second topic.

## How the waitlist works

How and when people on the waitlist hear from you.
"#
        ),
    }
}
