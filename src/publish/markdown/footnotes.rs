//! Markdown footnotes (`text[^why]` and `[^why]: the note`), numbered in the order they
//! are first referred to and gathered at the end of the page, each with a link back.
//! A note that nothing refers to is left out; a reference with no note stays as written.

use std::collections::BTreeMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

pub(super) fn render(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    // Take the notes out of the text.
    let mut notes: BTreeMap<String, Vec<Event<'_>>> = BTreeMap::new();
    let mut text = Vec::with_capacity(events.len());
    let mut open: Option<(String, Vec<Event<'_>>)> = None;
    for event in events {
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                open = Some((label.to_string(), Vec::new()));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, body)) = open.take() {
                    notes.entry(label).or_insert(body);
                }
            }
            other => match open.as_mut() {
                Some((_, body)) => body.push(other),
                None => text.push(other),
            },
        }
    }
    if notes.is_empty()
        && !text
            .iter()
            .any(|e| matches!(e, Event::FootnoteReference(_)))
    {
        return text;
    }

    // Number the references in the order they are read.
    let mut order: Vec<String> = Vec::new();
    let mut seen_count: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(text.len() + 16);
    for event in text {
        let Event::FootnoteReference(label) = &event else {
            out.push(event);
            continue;
        };
        let label = label.to_string();
        if !notes.contains_key(&label) {
            out.push(Event::Text(CowStr::from(format!("[^{label}]"))));
            continue;
        }
        let number = match order.iter().position(|l| *l == label) {
            Some(at) => at + 1,
            None => {
                order.push(label.clone());
                order.len()
            }
        };
        let count = seen_count.entry(label).or_insert(0);
        *count += 1;
        let id = if *count == 1 {
            format!("fnref-{number}")
        } else {
            format!("fnref-{number}-{count}")
        };
        out.push(Event::InlineHtml(CowStr::from(format!(
            "<sup class=\"footnote-ref\"><a id=\"{id}\" href=\"#fn-{number}\" \
             aria-label=\"Note {number}\">{number}</a></sup>"
        ))));
    }
    if order.is_empty() {
        return out;
    }

    out.push(Event::Html(CowStr::from(
        "<section class=\"footnotes\" aria-label=\"Notes\">\n<ol>\n",
    )));
    for (index, label) in order.iter().enumerate() {
        let number = index + 1;
        out.push(Event::Html(CowStr::from(format!(
            "<li id=\"fn-{number}\">"
        ))));
        let mut body = notes.remove(label).unwrap_or_default();
        let back = Event::Html(CowStr::from(format!(
            " <a class=\"backref\" href=\"#fnref-{number}\" aria-label=\"Back to the text \
             of note {number}\">↩\u{fe0e}</a>"
        )));
        // Inside the note's last paragraph, so it reads as the end of the note.
        match body
            .iter()
            .rposition(|e| matches!(e, Event::End(TagEnd::Paragraph)))
        {
            Some(at) => body.insert(at, back),
            None => body.push(back),
        }
        out.extend(body);
        out.push(Event::Html(CowStr::from("</li>\n")));
    }
    out.push(Event::Html(CowStr::from("</ol>\n</section>\n")));
    out
}

#[cfg(test)]
mod tests {
    use super::super::render;

    #[test]
    fn footnotes_are_numbered_in_reading_order_and_link_both_ways() {
        let html = render(
            "First[^b] and second[^a], first again[^b].\n\n[^a]: Note A.\n\n[^b]: Note B.\n\n\
             [^unused]: Never referred to.\n",
        )
        .unwrap()
        .html;
        assert!(
            html.contains(
                "First<sup class=\"footnote-ref\"><a id=\"fnref-1\" href=\"#fn-1\" \
                 aria-label=\"Note 1\">1</a></sup>"
            ),
            "{html}"
        );
        assert!(html.contains("id=\"fnref-1-2\" href=\"#fn-1\""), "{html}");
        assert!(html.contains("id=\"fnref-2\" href=\"#fn-2\""), "{html}");
        assert!(
            html.contains(
                "<li id=\"fn-1\">\n<p>Note B. <a class=\"backref\" href=\"#fnref-1\" \
                 aria-label=\"Back to the text of note 1\">↩\u{fe0e}</a></p>\n</li>"
            ),
            "{html}"
        );
        assert!(html.contains("<li id=\"fn-2\">\n<p>Note A."), "{html}");
        assert!(!html.contains("Never referred to"), "{html}");
        let notes_at = html.find("class=\"footnotes\"").unwrap();
        assert!(notes_at > html.find("first again").unwrap(), "{html}");
    }

    #[test]
    fn a_reference_without_a_note_stays_as_written() {
        let html = render("Text[^missing].\n").unwrap().html;
        assert!(html.contains("Text[^missing]."), "{html}");
        assert!(!html.contains("footnotes"), "{html}");
    }
}
