//! Numbered citations: `[4]` (or `[4, 7]`, `[4–6]`) in the text becomes a link to item 4
//! of the reference list (`id="ref-4"`), and each cited reference links back to its first
//! citation. A number with no reference stays plain text (`quietlist check` reports it).

use std::collections::BTreeMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::escape_html;
use crate::publish::references::is_references_heading;

/// Where the reference list's items are: event index of each item's start -> its number.
struct ReferenceList {
    items: BTreeMap<usize, u32>,
    /// Event index of each item's end -> its number.
    ends: BTreeMap<usize, u32>,
    /// Event indices from the list's start to its end: citations inside are not linked.
    span: std::ops::Range<usize>,
}

pub(super) fn link(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let events = merge_text(events);
    let Some(list) = find_reference_list(&events) else {
        return events;
    };
    let numbers: std::collections::BTreeSet<u32> = list.items.values().copied().collect();
    // First citation of each number, and how many so far (ids must be unique).
    let mut cited: BTreeMap<u32, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(events.len() + 64);
    let (mut in_code, mut in_link, mut in_heading) = (0usize, 0usize, 0usize);
    for (index, event) in events.into_iter().enumerate() {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Start(Tag::Link { .. }) => in_link += 1,
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            Event::Start(Tag::Heading { .. }) => in_heading += 1,
            Event::End(TagEnd::Heading(_)) => in_heading = in_heading.saturating_sub(1),
            _ => {}
        }
        if let Some(number) = list.items.get(&index) {
            out.push(Event::Html(CowStr::from(format!(
                "<li id=\"ref-{number}\">"
            ))));
            continue;
        }
        if let Some(number) = list.ends.get(&index) {
            if cited.contains_key(number) {
                out.push(Event::Html(CowStr::from(format!(
                    " <a class=\"backref\" href=\"#cite-{number}\" aria-label=\"Back to \
                     the first citation of reference {number}\">↩\u{fe0e}</a>"
                ))));
            }
            out.push(Event::Html(CowStr::from("</li>\n")));
            continue;
        }
        match event {
            Event::Text(text) if list.span.contains(&index) && in_link == 0 => {
                link_dois(&text, &mut out);
            }
            Event::Text(text)
                if in_code == 0
                    && in_link == 0
                    && in_heading == 0
                    && !list.span.contains(&index) =>
            {
                link_text(&text, &numbers, &mut cited, &mut out);
            }
            other => out.push(other),
        }
    }
    out
}

/// pulldown-cmark hands text over in pieces (`[`, `4]`...): one event per run of text
/// lets a citation be found whole.
fn merge_text(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    for event in events {
        if let (Event::Text(next), Some(Event::Text(previous))) = (&event, out.last_mut()) {
            let joined = format!("{previous}{next}");
            *previous = CowStr::from(joined);
            continue;
        }
        out.push(event);
    }
    out
}

/// The first list after a "References" heading, and the number of each of its items.
fn find_reference_list(events: &[Event<'_>]) -> Option<ReferenceList> {
    let mut after_heading = false;
    let mut index = 0;
    while index < events.len() {
        match &events[index] {
            Event::Start(Tag::Heading { .. }) => {
                after_heading = is_references_heading(&super::heading_text(&events[index + 1..]));
            }
            Event::Start(Tag::List(first)) if after_heading => {
                let start = index;
                let mut number = first.map_or(1, |n| u32::try_from(n).unwrap_or(1));
                let mut depth = 0usize;
                let mut items = BTreeMap::new();
                let mut ends = BTreeMap::new();
                while index < events.len() {
                    match &events[index] {
                        Event::Start(Tag::List(_)) => depth += 1,
                        Event::End(TagEnd::List(_)) => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Event::Start(Tag::Item) if depth == 1 => {
                            items.insert(index, number);
                        }
                        Event::End(TagEnd::Item) if depth == 1 => {
                            ends.insert(index, number);
                            number += 1;
                        }
                        _ => {}
                    }
                    index += 1;
                }
                return Some(ReferenceList {
                    items,
                    ends,
                    span: start..index + 1,
                });
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// Writes `text` with every citation of a known reference made a link.
fn link_text<'a>(
    text: &str,
    numbers: &std::collections::BTreeSet<u32>,
    cited: &mut BTreeMap<u32, u32>,
    out: &mut Vec<Event<'a>>,
) {
    let mut rest = text;
    let mut plain = String::new();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inside = &after[..close];
        match citation_numbers(inside) {
            Some(cites) if cites.iter().all(|n| numbers.contains(n)) => {
                plain.push_str(&rest[..open]);
                if !plain.is_empty() {
                    out.push(Event::Text(CowStr::from(std::mem::take(&mut plain))));
                }
                out.push(Event::InlineHtml(CowStr::from(citation_html(
                    inside, &cites, cited,
                ))));
            }
            _ => plain.push_str(&rest[..open + 1 + close + 1]),
        }
        rest = &after[close + 1..];
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Event::Text(CowStr::from(plain)));
    }
}

/// Writes a reference's text with its `doi:10.x/y` made a link to the DOI resolver.
fn link_dois<'a>(text: &str, out: &mut Vec<Event<'a>>) {
    let mut rest = text;
    while let Some(at) = rest.to_ascii_lowercase().find("doi:") {
        let after = &rest[at + 4..];
        let word = after.split_whitespace().next().unwrap_or("");
        let doi = word.trim_end_matches(['.', ',', ';']);
        let is_doi = doi.starts_with("10.") && doi.contains('/') && after.starts_with(doi);
        if !is_doi {
            out.push(Event::Text(CowStr::from(rest[..at + 4].to_owned())));
            rest = after;
            continue;
        }
        if at > 0 {
            out.push(Event::Text(CowStr::from(rest[..at].to_owned())));
        }
        out.push(Event::InlineHtml(CowStr::from(format!(
            "<a href=\"https://doi.org/{href}\">{label}</a>",
            href = escape_html(doi),
            label = escape_html(&rest[at..at + 4 + doi.len()]),
        ))));
        rest = &after[doi.len()..];
    }
    if !rest.is_empty() {
        out.push(Event::Text(CowStr::from(rest.to_owned())));
    }
}

/// `4`, `4, 7`, `4–6` (the numbers written, not the ones between).
fn citation_numbers(inside: &str) -> Option<Vec<u32>> {
    let mut found = Vec::new();
    for part in inside.split([',', '–', '-']) {
        found.push(part.trim().parse::<u32>().ok()?);
    }
    (!found.is_empty()).then_some(found)
}

fn citation_html(inside: &str, cites: &[u32], cited: &mut BTreeMap<u32, u32>) -> String {
    let mut anchor = |number: u32, text: &str| {
        let count = cited.entry(number).or_insert(0);
        *count += 1;
        let id = if *count == 1 {
            format!("cite-{number}")
        } else {
            format!("cite-{number}-{count}")
        };
        format!("<a class=\"cite\" id=\"{id}\" href=\"#ref-{number}\">{text}</a>")
    };
    if let [number] = cites {
        return anchor(*number, &format!("[{number}]"));
    }
    // Several: the brackets and separators stay as written, each number a link.
    let mut html = String::from("[");
    let mut rest = inside;
    for number in cites {
        let written = number.to_string();
        if let Some(at) = rest.find(&written) {
            html.push_str(&escape_html(&rest[..at]));
            html.push_str(&anchor(*number, &written));
            rest = &rest[at + written.len()..];
        }
    }
    html.push_str(&escape_html(rest));
    html.push(']');
    html
}

#[cfg(test)]
mod tests {
    use super::super::render;

    const REPORT: &str = "Intro [1]. Again [1] and [2, 3]. Not one: [9] or [see] or `[1]`.\n\n\
        | Study | Finding |\n|---|---|\n| Li [2] | yes |\n\n\
        ## References\n\n\
        1. First. doi:10.1/a\n2. Second. doi:10.2/b. PMCID: 1\n3. Third, never cited alone.\n4. Never cited.\n";

    #[test]
    fn citations_link_to_the_reference_and_the_reference_links_back() {
        let html = render(REPORT).unwrap().html;
        assert!(
            html.contains("Intro <a class=\"cite\" id=\"cite-1\" href=\"#ref-1\">[1]</a>."),
            "{html}"
        );
        assert!(
            html.contains("<a class=\"cite\" id=\"cite-1-2\" href=\"#ref-1\">[1]</a>"),
            "{html}"
        );
        assert!(
            html.contains(
                "[<a class=\"cite\" id=\"cite-2\" href=\"#ref-2\">2</a>, \
                 <a class=\"cite\" id=\"cite-3\" href=\"#ref-3\">3</a>]"
            ),
            "{html}"
        );
        assert!(html.contains("id=\"cite-2-2\""), "table cells too: {html}");
        assert!(html.contains("[9] or [see]"), "{html}");
        assert!(html.contains("<code>[1]</code>"), "{html}");
        assert!(
            html.contains(
                "<li id=\"ref-1\">First. <a href=\"https://doi.org/10.1/a\">doi:10.1/a</a> <a class=\"backref\" href=\"#cite-1\" \
                 aria-label=\"Back to the first citation of reference 1\">↩\u{fe0e}</a></li>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "<li id=\"ref-2\">Second. <a href=\"https://doi.org/10.2/b\">doi:10.2/b</a>. \
                 PMCID: 1 <a class=\"backref\""
            ),
            "a DOI in the middle of the text: {html}"
        );
        assert!(
            html.contains("<li id=\"ref-4\">Never cited.</li>"),
            "{html}"
        );
    }

    #[test]
    fn without_a_reference_list_brackets_stay_text() {
        let html = render("Intro [1].\n\n## Notes\n\n1. One.\n").unwrap().html;
        assert!(html.contains("Intro [1]."), "{html}");
        assert!(!html.contains("cite"), "{html}");
    }
}
