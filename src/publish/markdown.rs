//! The one Markdown entry point: pulldown-cmark with explicit options, heading ids and
//! anchors, a table of contents, citations linked to the reference list and back,
//! footnotes, images with their sizes, raw HTML escaped, and no images from other origins.

mod citations;
mod footnotes;
mod images;

use std::collections::{BTreeMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use super::templates::escape_html;
use crate::domain::Slug;

/// An entry of a page's table of contents (its second-level headings).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// A problem an author must fix, with the line of the Markdown it is on (1 = the first
/// line of the text given to [`render`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MarkdownError {
    #[error(
        "image {url:?} is on another origin; pages load nothing from other \
         origins (put the file in the site's static/ folder)"
    )]
    ForeignImage { url: String, line: usize },
    #[error(
        "heading attribute {names:?}: a heading takes only an id ({{#id}}) and \
         classes ({{.class}}); other attributes would be raw HTML"
    )]
    HeadingAttribute { names: String, line: usize },
    #[error(
        "image {url:?} has no alt text; write what it shows between the \
         brackets: ![a chart of response rates]({url})"
    )]
    ImageWithoutAlt { url: String, line: usize },
    #[error(
        "image {url:?} is not in the site's static/ folder (write it as \
         /static/FILE and put FILE there)"
    )]
    ImageNotFound { url: String, line: usize },
    #[error("image {url:?} cannot be read as an image ({reason})")]
    ImageUnreadable {
        url: String,
        line: usize,
        reason: String,
    },
}

impl MarkdownError {
    /// The line of the Markdown the problem is on (1-based).
    pub fn line(&self) -> usize {
        match self {
            Self::ForeignImage { line, .. }
            | Self::HeadingAttribute { line, .. }
            | Self::ImageWithoutAlt { line, .. }
            | Self::ImageNotFound { line, .. }
            | Self::ImageUnreadable { line, .. } => *line,
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Where images come from: a site's static files (name -> bytes), whose sizes go into
/// `width`/`height`; `None` where there are no files to look at (announcement mails).
pub type ImageFiles<'a> = Option<&'a BTreeMap<String, Vec<u8>>>;

/// Renders Markdown for a mail: no image files at hand (images keep their address and
/// alt, without sizes) and no heading anchors (a mail has no stylesheet to hide them).
pub fn render(markdown: &str) -> Result<Rendered, MarkdownError> {
    render_inner(markdown, None, false)
}

/// Renders a site page: images must be files of the site's static/ folder (`static_files`,
/// by name), and headings get anchor links.
pub fn render_page(
    markdown: &str,
    static_files: &BTreeMap<String, Vec<u8>>,
) -> Result<Rendered, MarkdownError> {
    render_inner(markdown, Some(static_files), true)
}

/// The text of the first paragraph (raw HTML as the text it is shown as), at most about
/// `max_bytes` of it; empty when there is none. Stops reading there.
pub fn first_paragraph_text(markdown: &str, max_bytes: usize) -> String {
    let mut out = String::new();
    let mut inside = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) if inside => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak if inside => out.push(' '),
            _ => {}
        }
        if out.len() > max_bytes {
            break;
        }
    }
    out
}

fn render_inner(
    markdown: &str,
    files: ImageFiles<'_>,
    anchors: bool,
) -> Result<Rendered, MarkdownError> {
    let mut events = Vec::new();
    let mut offsets = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        events.push(event);
        offsets.push(range.start);
    }
    let line_of = |index: usize| line_at(markdown, offsets.get(index).copied().unwrap_or(0));
    check(&events, &line_of)?;
    escape_raw_html(&mut events);
    let toc = assign_heading_ids(&mut events);
    let mut events = if anchors {
        add_heading_anchors(events)
    } else {
        events
    };
    images::render(&mut events, files, &line_of)?;
    let events = citations::link(events);
    let events = footnotes::render(events);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    Ok(Rendered { html: out, toc })
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn check(events: &[Event<'_>], line_of: &dyn Fn(usize) -> usize) -> Result<(), MarkdownError> {
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) if is_foreign(dest_url) => {
                return Err(MarkdownError::ForeignImage {
                    url: dest_url.to_string(),
                    line: line_of(index),
                });
            }
            // `{key=value}` would be written out as an attribute (`onclick`...).
            Event::Start(Tag::Heading { attrs, .. }) if !attrs.is_empty() => {
                let names = attrs.iter().map(|(k, _)| k.as_ref()).collect::<Vec<_>>();
                return Err(MarkdownError::HeadingAttribute {
                    names: names.join(" "),
                    line: line_of(index),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Site authors write Markdown; raw HTML is shown as text, never run. (Runs before any
/// step below adds HTML of its own.)
fn escape_raw_html(events: &mut [Event<'_>]) {
    for event in events {
        if let Event::Html(raw) | Event::InlineHtml(raw) = event {
            *event = Event::Text(raw.clone());
        }
    }
}

fn is_foreign(url: &str) -> bool {
    url.starts_with("//") || url.contains("://") || url.starts_with("data:")
}

/// Gives every heading an id (its slug, made unique), and returns the level-2 headings.
fn assign_heading_ids(events: &mut [Event<'_>]) -> Vec<TocEntry> {
    let mut used = HashSet::new();
    let mut toc = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i] else {
            i += 1;
            continue;
        };
        let level = *level;
        let explicit = id.as_ref().map(|s| s.to_string());
        let text = heading_text(&events[i + 1..]);
        let j = i
            + 1
            + events[i + 1..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                .unwrap_or(events.len() - i - 1);
        let base = explicit.unwrap_or_else(|| {
            let slug = Slug::slugify(&text);
            if slug.is_empty() {
                "section".to_owned()
            } else {
                slug
            }
        });
        let mut unique = base.clone();
        let mut n = 2;
        while !used.insert(unique.clone()) {
            unique = format!("{base}-{n}");
            n += 1;
        }
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
            *id = Some(CowStr::from(unique.clone()));
        }
        if level == HeadingLevel::H2 {
            toc.push(TocEntry {
                id: unique,
                title: text,
            });
        }
        i = j + 1;
    }
    toc
}

/// The words of a heading, from the events after its start.
fn heading_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

/// A `#` link at the end of every second- and third-level heading, to copy the
/// section's address; CSS shows it on hover and focus. Its name says where it leads.
fn add_heading_anchors(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len() + 16);
    let mut open: Option<(String, String)> = None;
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2 | HeadingLevel::H3,
                id: Some(id),
                ..
            }) => open = Some((id.to_string(), heading_text(&events[index + 1..]))),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((id, title)) = open.take() {
                    out.push(Event::Html(CowStr::from(format!(
                        " <a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to the section \
                         {title}\"><span aria-hidden=\"true\">#</span></a>",
                        id = escape_html(&id),
                        title = escape_html(&title),
                    ))));
                }
            }
            _ => {}
        }
        out.push(event.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_ids_and_level_two_makes_the_toc() {
        let r = render("# Title\n\n## Mechanism of Action\n\ntext\n\n## Mechanism of Action\n\n### Sub `code`\n").unwrap();
        assert!(
            r.html.contains(r#"<h2 id="mechanism-of-action">"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h2 id="mechanism-of-action-2">"#));
        assert!(r.html.contains(r#"<h3 id="sub-code">"#));
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].title, "Mechanism of Action");
    }

    #[test]
    fn second_and_third_level_headings_get_a_named_anchor_link() {
        let markdown = "# Title\n\n## Mechanism of Action\n\n### Sub\n\n#### Deep\n";
        let r = render_page(markdown, &BTreeMap::new()).unwrap();
        assert!(
            r.html.contains(
                "<h2 id=\"mechanism-of-action\">Mechanism of Action <a class=\"anchor\" \
                 href=\"#mechanism-of-action\" aria-label=\"Link to the section Mechanism of \
                 Action\"><span aria-hidden=\"true\">#</span></a></h2>"
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"#sub\""), "{}", r.html);
        assert!(!r.html.contains("href=\"#deep\""), "{}", r.html);
        assert!(!r.html.contains("href=\"#title\""), "{}", r.html);
        let mail = render(markdown).unwrap();
        assert!(!mail.html.contains("anchor"), "{}", mail.html);
    }

    #[test]
    fn raw_html_is_escaped_not_rendered() {
        let r = render("Hello <script>alert(1)</script>\n\n<div onclick=x>hi</div>\n").unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<div"));
    }

    #[test]
    fn images_from_other_origins_are_refused() {
        assert_eq!(
            render("Text.\n\n![x](https://tracker.example/p.gif)").unwrap_err(),
            MarkdownError::ForeignImage {
                url: "https://tracker.example/p.gif".into(),
                line: 3
            }
        );
        assert!(render("![x](/static/chart.png)").is_ok());
    }

    #[test]
    fn heading_attributes_cannot_add_event_handlers() {
        // Found by the markdown fuzz target's attribute check: `{key=value}` after a
        // heading became an HTML attribute, so Markdown could carry `onclick`.
        let result = render("# Title {onclick=alert(1)}\n\n## Two {#two .note data-x=y}\n");
        let html = result.as_ref().map(|r| r.html.as_str()).unwrap_or("");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("data-x"), "{html}");
        assert!(
            result.is_err(),
            "the author is told, not silently changed: {html}"
        );
        let ok = render("## Two {#two .note}\n").unwrap();
        assert!(
            ok.html.contains(r#"<h2 id="two" class="note">"#),
            "{}",
            ok.html
        );
    }

    #[test]
    fn tables_render() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n").unwrap();
        assert!(r.html.contains("<table>"));
    }
}
