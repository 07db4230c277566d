//! The one Markdown entry point: pulldown-cmark with explicit options, heading ids, a
//! table of contents, raw HTML escaped, and no images from other origins.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MarkdownError {
    #[error(
        "image {0:?} is on another origin; pages load nothing from other origins \
         (put the file in the site's static/ folder)"
    )]
    ForeignImage(String),
    #[error(
        "heading attribute {0:?}: a heading takes only an id ({{#id}}) and classes \
         ({{.class}}); other attributes would be raw HTML"
    )]
    HeadingAttribute(String),
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn render(markdown: &str) -> Result<Rendered, MarkdownError> {
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let toc = assign_heading_ids(&mut events);
    for event in &mut events {
        match event {
            // Site authors write Markdown; raw HTML is shown as text, never run.
            Event::Html(raw) | Event::InlineHtml(raw) => {
                *event = Event::Text(raw.clone());
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_foreign(dest_url) => {
                return Err(MarkdownError::ForeignImage(dest_url.to_string()));
            }
            // `{key=value}` would be written out as an attribute (`onclick`...).
            Event::Start(Tag::Heading { attrs, .. }) if !attrs.is_empty() => {
                let names = attrs.iter().map(|(k, _)| k.as_ref()).collect::<Vec<_>>();
                return Err(MarkdownError::HeadingAttribute(names.join(" ")));
            }
            _ => {}
        }
    }
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    Ok(Rendered { html: out, toc })
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
        let mut text = String::new();
        let mut j = i + 1;
        while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
            if let Event::Text(t) | Event::Code(t) = &events[j] {
                text.push_str(t);
            }
            j += 1;
        }
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
    fn raw_html_is_escaped_not_rendered() {
        let r = render("Hello <script>alert(1)</script>\n\n<div onclick=x>hi</div>\n").unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<div"));
    }

    #[test]
    fn images_from_other_origins_are_refused() {
        assert_eq!(
            render("![x](https://tracker.example/p.gif)").unwrap_err(),
            MarkdownError::ForeignImage("https://tracker.example/p.gif".into())
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
    fn tables_and_footnotes_render() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: Note.\n").unwrap();
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("footnote"));
    }
}
