//! An announcement: the owner's Markdown with TOML front matter (`subject`, optional `id`),
//! rendered into the text and HTML parts of a mail by the site's one Markdown entry point
//! (raw HTML shown as text, no image from another origin: no tracking pixel can get in).
//! The only thing about the person it may say is their name (`{{ name }}`).

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::markdown::{self, MarkdownError};
use super::templates::escape_html;
use crate::i18n::{Language, Text, errors};

/// What `{{ name }}` becomes when the person gave no name.
pub const DEFAULT_NAME_FALLBACK: &str = "there";

/// The longest `id` and subject an owner may write (both reach the audit log, the
/// subject a header).
pub const MAX_ID_CHARS: usize = 100;
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest text: every queued mail carries it, so a slip of the paste can't fill the
/// outbox (a long letter is some 20,000 characters).
pub const MAX_BODY_CHARS: usize = 100_000;
/// The longest stand-in for a name.
pub const MAX_NAME_FALLBACK_CHARS: usize = 100;

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
    /// Also put it on the site (`/news/{id}` and the feed) when its run starts.
    #[serde(default)]
    publish: bool,
}

/// An announcement as the owner wrote it, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    key: String,
    subject: String,
    markdown: String,
    name_fallback: String,
    /// Put it on the site when its run starts.
    publish: bool,
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
    #[error("the text is longer than {MAX_BODY_CHARS} characters")]
    BodyTooLong,
    #[error(
        "front matter: `name_fallback` must be at most {MAX_NAME_FALLBACK_CHARS} characters, on one line"
    )]
    NameFallback,
    #[error(transparent)]
    Markdown(#[from] MarkdownError),
}

/// The parts of an announcement a form has a field for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementField {
    Subject,
    Id,
    Body,
    NameFallback,
}

impl AnnouncementError {
    /// The field at fault and what to change, in words that suit a form (the `Display`
    /// form speaks of the file's front matter), in English (the API's words). `None`:
    /// only a file can be wrong so.
    pub fn on_field(&self) -> Option<(AnnouncementField, String)> {
        self.on_field_in(Language::English)
    }

    /// The same in `language`, for the owner's form.
    pub fn on_field_in(&self, language: Language) -> Option<(AnnouncementField, String)> {
        let (field, text) = match self {
            Self::NoFrontMatter | Self::FrontMatter(_) => return None,
            Self::Subject => (
                AnnouncementField::Subject,
                Text::with(
                    "admin-announce-bad-subject",
                    vec![("max", MAX_SUBJECT_CHARS.into())],
                ),
            ),
            Self::Id => (
                AnnouncementField::Id,
                Text::with("admin-announce-bad-id", vec![("max", MAX_ID_CHARS.into())]),
            ),
            Self::EmptyBody => (
                AnnouncementField::Body,
                Text::key("admin-announce-empty-body"),
            ),
            Self::BodyTooLong => (
                AnnouncementField::Body,
                Text::with(
                    "admin-announce-body-too-long",
                    vec![("max", MAX_BODY_CHARS.into())],
                ),
            ),
            Self::NameFallback => (
                AnnouncementField::NameFallback,
                Text::with(
                    "admin-announce-bad-fallback",
                    vec![("max", MAX_NAME_FALLBACK_CHARS.into())],
                ),
            ),
            Self::Markdown(e) => (
                AnnouncementField::Body,
                Text::with(
                    "admin-announce-markdown",
                    vec![
                        ("line", e.line().to_string().into()),
                        ("problem", errors::markdown(e).render(language).into()),
                    ],
                ),
            ),
        };
        Some((field, text.render(language)))
    }
}

/// An announcement written in a form rather than a file: the same rules apply.
#[derive(Debug, Clone, Default)]
pub struct AnnouncementFields<'a> {
    pub subject: &'a str,
    /// Empty: none (the text is then its identity).
    pub id: &'a str,
    pub body: &'a str,
    /// Empty: [`DEFAULT_NAME_FALLBACK`].
    pub name_fallback: &'a str,
    /// Put it on the site when its run starts.
    pub publish: bool,
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
        Self::validated(
            &front.subject,
            front.id.as_deref(),
            body,
            front.name_fallback.as_deref(),
        )
        .map(|a| a.published(front.publish))
    }

    /// Builds an announcement from a form's fields, by the file's rules; refused, it says
    /// what is wrong with each field at once. A textarea sends its line breaks as CRLF:
    /// they become LF, so that the same text pasted from a file is the same announcement.
    pub fn from_fields(fields: &AnnouncementFields<'_>) -> Result<Self, Vec<AnnouncementError>> {
        let body = fields.body.replace("\r\n", "\n");
        let id = Some(fields.id.trim()).filter(|id| !id.is_empty());
        let fallback = Some(fields.name_fallback).filter(|f| !f.trim().is_empty());
        let problems: Vec<AnnouncementError> = [
            checked_subject(fields.subject).err(),
            checked_id(id).err(),
            checked_body(&body).err(),
            checked_fallback(fallback).err(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Self::validated(fields.subject, id, &body, fallback)
            .map(|a| a.published(fields.publish))
            .map_err(|e| vec![e])
    }

    /// The same announcement, to be put on the site (or not) when its run starts.
    pub fn published(self, publish: bool) -> Self {
        Self { publish, ..self }
    }

    /// Whether it goes on the site when its run starts.
    pub fn publish(&self) -> bool {
        self.publish
    }

    /// The rules both ways in share.
    fn validated(
        subject: &str,
        id: Option<&str>,
        body: &str,
        name_fallback: Option<&str>,
    ) -> Result<Self, AnnouncementError> {
        let subject = checked_subject(subject)?;
        let body = checked_body(body)?;
        let key = match checked_id(id)? {
            Some(id) => format!("id:{id}"),
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
            name_fallback: checked_fallback(name_fallback)?,
            publish: false,
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
            publish: false,
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

/// The longest summary the feed and a page's description take, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;

impl Announcement {
    /// The first paragraph as text, `{{ name }}` as the fallback, cut at
    /// [`MAX_SUMMARY_CHARS`] (for the feed and a page's description). Reads no further
    /// than that paragraph.
    pub fn summary(&self) -> String {
        let text = markdown::first_paragraph_text(&self.markdown, MAX_SUMMARY_CHARS * 4)
            .replace("{{ name }}", &self.name_fallback)
            .replace("{{name}}", &self.name_fallback);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= MAX_SUMMARY_CHARS {
            return text;
        }
        let cut: String = text.chars().take(MAX_SUMMARY_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn checked_subject(subject: &str) -> Result<String, AnnouncementError> {
    let subject = subject.trim();
    if subject.is_empty()
        || subject.chars().count() > MAX_SUBJECT_CHARS
        || subject.chars().any(char::is_control)
    {
        return Err(AnnouncementError::Subject);
    }
    Ok(subject.to_owned())
}

fn checked_body(body: &str) -> Result<String, AnnouncementError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AnnouncementError::EmptyBody);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(AnnouncementError::BodyTooLong);
    }
    markdown::render(body)?;
    Ok(body.to_owned())
}

fn checked_id(id: Option<&str>) -> Result<Option<String>, AnnouncementError> {
    match id.map(str::trim) {
        Some(id) if is_valid_id(id) => Ok(Some(id.to_owned())),
        Some(_) => Err(AnnouncementError::Id),
        None => Ok(None),
    }
}

/// The store keeps the fallback on the first line of the text (see `stored_markdown`):
/// one line, then.
fn checked_fallback(fallback: Option<&str>) -> Result<String, AnnouncementError> {
    match fallback.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f)
            if f.chars().count() > MAX_NAME_FALLBACK_CHARS || f.chars().any(char::is_control) =>
        {
            Err(AnnouncementError::NameFallback)
        }
        Some(f) => Ok(f.to_owned()),
        None => Ok(DEFAULT_NAME_FALLBACK.to_owned()),
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
    fn the_summary_is_the_first_paragraph_as_text_with_the_fallback_name() {
        let a = Announcement::parse(
            "+++\nsubject = \"S\"\nname_fallback = \"friends\"\n+++\n# Heading\n\nHello {{ name }}, *the* [dates](https://example.org) <b>are</b>\nset.\n\nSecond.\n",
        )
        .unwrap();
        assert_eq!(a.summary(), "Hello friends, the dates <b>are</b> set.");
        let long = Announcement::parse(&format!(
            "+++\nsubject = \"S\"\n+++\n{}\n",
            "word ".repeat(200)
        ))
        .unwrap()
        .summary();
        assert_eq!(long.chars().count(), MAX_SUMMARY_CHARS);
        assert!(long.ends_with('…'));
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
    fn a_form_gives_the_same_announcement_as_the_file_with_the_same_text() {
        let file = Announcement::parse("+++\nsubject = \"News\"\n+++\nHello {{ name }}.\n\nBye.\n")
            .unwrap();
        let form = Announcement::from_fields(&AnnouncementFields {
            subject: " News ",
            body: "Hello {{ name }}.\r\n\r\nBye.\r\n",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(file, form);
        let with_id = Announcement::from_fields(&AnnouncementFields {
            subject: "News",
            id: " news-1 ",
            body: "Hi",
            name_fallback: "friend",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(with_id.key(), "id:news-1");
        assert!(with_id.parts_for(None).unwrap().text.contains("Hi"));
        assert!(with_id.stored_markdown().starts_with("friend\n"));
    }

    #[test]
    fn a_form_is_held_to_the_file_rules_and_each_refusal_names_its_field() {
        let ok = AnnouncementFields {
            subject: "S",
            body: "Hi",
            ..Default::default()
        };
        let long_body = "x".repeat(MAX_BODY_CHARS + 1);
        let long_subject = "s".repeat(MAX_SUBJECT_CHARS + 1);
        let cases = [
            (
                AnnouncementFields {
                    subject: " ",
                    ..ok.clone()
                },
                AnnouncementField::Subject,
            ),
            (
                AnnouncementFields {
                    subject: &long_subject,
                    ..ok.clone()
                },
                AnnouncementField::Subject,
            ),
            (
                AnnouncementFields {
                    subject: "a\nb",
                    ..ok.clone()
                },
                AnnouncementField::Subject,
            ),
            (
                AnnouncementFields {
                    id: "a b",
                    ..ok.clone()
                },
                AnnouncementField::Id,
            ),
            (
                AnnouncementFields {
                    id: "+++",
                    ..ok.clone()
                },
                AnnouncementField::Id,
            ),
            (
                AnnouncementFields {
                    body: " \r\n ",
                    ..ok.clone()
                },
                AnnouncementField::Body,
            ),
            (
                AnnouncementFields {
                    body: &long_body,
                    ..ok.clone()
                },
                AnnouncementField::Body,
            ),
            (
                AnnouncementFields {
                    body: "![p](https://tracker.example/p.gif)",
                    ..ok.clone()
                },
                AnnouncementField::Body,
            ),
            (
                AnnouncementFields {
                    name_fallback: "a\nb",
                    ..ok.clone()
                },
                AnnouncementField::NameFallback,
            ),
        ];
        for (fields, field) in cases {
            let errors = Announcement::from_fields(&fields).unwrap_err();
            let named: Vec<_> = errors
                .iter()
                .filter_map(|e| e.on_field())
                .map(|(f, _)| f)
                .collect();
            assert_eq!(named, vec![field], "{fields:?}");
        }
        // Every field's problem at once.
        let all_wrong = Announcement::from_fields(&AnnouncementFields {
            subject: "",
            id: "a b",
            body: "",
            name_fallback: "a\nb",
            publish: false,
        })
        .unwrap_err();
        assert_eq!(all_wrong.len(), 4, "{all_wrong:?}");
        assert!(Announcement::from_fields(&ok).is_ok());
        // The file's rules are the same ones.
        assert_eq!(
            Announcement::parse(&format!("+++\nsubject = \"S\"\n+++\n{long_body}")),
            Err(AnnouncementError::BodyTooLong)
        );
    }

    #[test]
    fn what_the_store_keeps_gives_back_the_same_announcement() {
        let a = Announcement::parse(DATES).unwrap();
        let b = Announcement::from_stored(a.key(), a.subject(), &a.stored_markdown());
        assert_eq!(a, b);
    }
}
