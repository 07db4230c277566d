//! An announcement: the owner's Markdown with TOML front matter (`subject`, optional `id`),
//! rendered into the text and HTML parts of a mail by the site's one Markdown entry point
//! (raw HTML shown as text, no image from another origin: no tracking pixel can get in).
//! The only thing about the person it may say is their name (`{{ name }}`).

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::markdown::{self, MarkdownError};
use super::templates::escape_html;

/// What `{{ name }}` becomes when the person gave no name.
pub const DEFAULT_NAME_FALLBACK: &str = "there";

/// The longest `id` and subject an owner may write (both reach the audit log, the
/// subject a header).
const MAX_ID_CHARS: usize = 100;
const MAX_SUBJECT_CHARS: usize = 200;

/// Stands for the name while the Markdown is rendered, so that a name is never read as
/// Markdown (a name like `[x](https://…)` must not become a link).
const NAME_SLOT: &str = "QUIETLISTNAMESLOT";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    subject: String,
    id: Option<String>,
    /// What `{{ name }}` says when the person gave no name.
    name_fallback: Option<String>,
}

/// An announcement as the owner wrote it, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    key: String,
    subject: String,
    markdown: String,
    name_fallback: String,
}

/// Why a file is not an announcement; each names what to change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnnouncementError {
    #[error("the announcement must start with front matter between +++ lines (subject = \"...\")")]
    NoFrontMatter,
    #[error("front matter: {0}")]
    FrontMatter(String),
    #[error(
        "front matter: `subject` must not be empty, and at most {MAX_SUBJECT_CHARS} characters"
    )]
    Subject,
    #[error("front matter: `id` must be 1 to {MAX_ID_CHARS} letters, digits, '-', '_' or '.'")]
    Id,
    #[error("the announcement has no text after its front matter")]
    EmptyBody,
    #[error(transparent)]
    Markdown(#[from] MarkdownError),
}

/// One announcement as it goes to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementParts {
    pub text: String,
    /// HTML from the site's renderer, to be placed in the mail layout unescaped.
    pub html: String,
}

impl Announcement {
    /// Parses a file: front matter between `+++` lines, then Markdown.
    pub fn parse(source: &str) -> Result<Self, AnnouncementError> {
        let (front, body) =
            super::site::split_front_matter(source).ok_or(AnnouncementError::NoFrontMatter)?;
        let front: FrontMatter =
            toml::from_str(front).map_err(|e| AnnouncementError::FrontMatter(e.to_string()))?;
        let subject = front.subject.trim().to_owned();
        if subject.is_empty()
            || subject.chars().count() > MAX_SUBJECT_CHARS
            || subject.chars().any(char::is_control)
        {
            return Err(AnnouncementError::Subject);
        }
        let body = body.trim().to_owned();
        if body.is_empty() {
            return Err(AnnouncementError::EmptyBody);
        }
        let key = match front.id.map(|id| id.trim().to_owned()) {
            Some(id) if is_valid_id(&id) => format!("id:{id}"),
            Some(_) => return Err(AnnouncementError::Id),
            // Without an id, the same text is the same announcement: sending the file
            // again reaches no one twice.
            None => format!(
                "sha256:{}",
                hex::encode(Sha256::digest(format!("{subject}\n{body}").as_bytes()))
            ),
        };
        let announcement = Self {
            key,
            subject,
            markdown: body,
            name_fallback: front
                .name_fallback
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| DEFAULT_NAME_FALLBACK.to_owned()),
        };
        // Refused now rather than at send time (an image from another origin...).
        announcement.parts_for(None)?;
        Ok(announcement)
    }

    /// Rebuilds an announcement from what the store kept (see [`Self::stored_markdown`]).
    pub fn from_stored(key: &str, subject: &str, stored_markdown: &str) -> Self {
        let (fallback, markdown) = stored_markdown
            .split_once('\n')
            .unwrap_or((DEFAULT_NAME_FALLBACK, stored_markdown));
        Self {
            key: key.to_owned(),
            subject: subject.to_owned(),
            markdown: markdown.to_owned(),
            name_fallback: fallback.to_owned(),
        }
    }

    /// What the store keeps: the fallback name on the first line, then the Markdown.
    pub fn stored_markdown(&self) -> String {
        format!("{}\n{}", self.name_fallback, self.markdown)
    }

    /// Its identity: `id:<the front matter's id>`, or `sha256:<hash of subject and text>`.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The text and HTML parts for a person with this name (`None`: the fallback).
    pub fn parts_for(&self, name: Option<&str>) -> Result<AnnouncementParts, AnnouncementError> {
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.name_fallback);
        let with_slot = self
            .markdown
            .replace("{{ name }}", NAME_SLOT)
            .replace("{{name}}", NAME_SLOT);
        let html = markdown::render(&with_slot)?
            .html
            .replace(NAME_SLOT, &escape_html(name));
        let text = with_slot.replace(NAME_SLOT, name);
        Ok(AnnouncementParts { text, html })
    }
}

fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.chars().count())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATES: &str = "+++\nsubject = \"The pilot's dates are set\"\nid = \"dates-2026\"\n+++\n\nHello {{ name }},\n\nThe pilot starts in June: [the syllabus](https://example.org/syllabus?x=1&y=2).\n\n<script>alert(1)</script>\n";

    #[test]
    fn an_announcement_with_an_id_is_known_by_it() {
        let a = Announcement::parse(DATES).unwrap();
        assert_eq!(a.key(), "id:dates-2026");
        assert_eq!(a.subject(), "The pilot's dates are set");
    }

    #[test]
    fn without_an_id_the_same_text_is_the_same_announcement() {
        let source = "+++\nsubject = \"News\"\n+++\nHello.\n";
        let a = Announcement::parse(source).unwrap();
        let b = Announcement::parse(&format!("{source}\n")).unwrap();
        let c = Announcement::parse("+++\nsubject = \"News\"\n+++\nHello!\n").unwrap();
        assert!(a.key().starts_with("sha256:"));
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }

    #[test]
    fn the_name_or_its_fallback_and_nothing_else_about_the_person() {
        let a = Announcement::parse(DATES).unwrap();
        let named = a.parts_for(Some("Ada <b>")).unwrap();
        assert!(named.text.starts_with("Hello Ada <b>,"), "{}", named.text);
        assert!(
            named.html.contains("Hello Ada &lt;b&gt;,"),
            "{}",
            named.html
        );
        let unnamed = a.parts_for(None).unwrap();
        assert!(unnamed.text.starts_with("Hello there,"));
        let markdown_name = a.parts_for(Some("[x](https://evil.example)")).unwrap();
        assert!(!markdown_name.html.contains("href=\"https://evil.example"));
    }

    #[test]
    fn raw_html_is_shown_as_text_and_links_are_the_ones_written() {
        let parts = Announcement::parse(DATES).unwrap().parts_for(None).unwrap();
        assert!(!parts.html.contains("<script>"), "{}", parts.html);
        assert!(parts.html.contains("&lt;script&gt;"), "{}", parts.html);
        assert!(
            parts
                .html
                .contains("href=\"https://example.org/syllabus?x=1&amp;y=2\""),
            "{}",
            parts.html
        );
        assert!(parts.text.contains("https://example.org/syllabus?x=1&y=2"));
    }

    #[test]
    fn a_bad_file_is_refused_with_what_to_change() {
        assert_eq!(
            Announcement::parse("Hello"),
            Err(AnnouncementError::NoFrontMatter)
        );
        assert_eq!(
            Announcement::parse("+++\nsubject = \"\"\n+++\nHi"),
            Err(AnnouncementError::Subject)
        );
        assert_eq!(
            Announcement::parse("+++\nsubject = \"S\"\nid = \"a b\"\n+++\nHi"),
            Err(AnnouncementError::Id)
        );
        assert!(matches!(
            Announcement::parse("+++\nsubject = \"S\"\n+++\n![p](https://tracker.example/p.gif)"),
            Err(AnnouncementError::Markdown(_))
        ));
    }

    #[test]
    fn what_the_store_keeps_gives_back_the_same_announcement() {
        let a = Announcement::parse(DATES).unwrap();
        let b = Announcement::from_stored(a.key(), a.subject(), &a.stored_markdown());
        assert_eq!(a, b);
    }
}
