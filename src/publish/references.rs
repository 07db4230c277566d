//! A page's reference list, read from its Markdown: the items of the list under a
//! heading named "References" (or "Sources", "Bibliography", "Works cited"). Structured
//! data cites them; the page itself shows the list as written.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// One entry of a reference list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The entry as plain text (emphasis and links dropped, their words kept).
    pub text: String,
    /// Its DOI (`10.1038/nature10130`), when the entry gives one.
    pub doi: Option<String>,
}

impl Reference {
    /// The DOI as a resolvable address.
    pub fn doi_url(&self) -> Option<String> {
        self.doi
            .as_ref()
            .map(|doi| format!("https://doi.org/{doi}"))
    }
}

const HEADINGS: [&str; 4] = ["references", "sources", "bibliography", "works cited"];

/// Whether a heading with these words starts a reference list.
pub fn is_references_heading(text: &str) -> bool {
    let name = text.trim().trim_end_matches(':').to_lowercase();
    HEADINGS.contains(&name.as_str())
}

/// The entries of the first list under a references heading, in order; none when the
/// page has no such heading.
pub fn from_markdown(markdown: &str) -> Vec<Reference> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut section: Option<HeadingLevel> = None;
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut list_depth = 0usize;
    let mut item: Option<String> = None;
    let mut found = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                if section.is_some_and(|open| level <= open) {
                    if !found.is_empty() {
                        break;
                    }
                    section = None;
                }
                heading = Some((level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    if is_references_heading(&text) {
                        section = Some(level);
                    }
                }
            }
            Event::Start(Tag::List(_)) if section.is_some() => list_depth += 1,
            Event::End(TagEnd::List(_)) if section.is_some() => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 && !found.is_empty() {
                    break;
                }
            }
            Event::Start(Tag::Item) if section.is_some() && list_depth == 1 => {
                item = Some(String::new());
            }
            Event::End(TagEnd::Item) if section.is_some() && list_depth == 1 => {
                if let Some(text) = item.take() {
                    let text = squeeze_spaces(&text);
                    if !text.is_empty() {
                        found.push(Reference {
                            doi: doi_in(&text),
                            text,
                        });
                    }
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading_text)) = heading.as_mut() {
                    heading_text.push_str(&text);
                } else if let Some(item_text) = item.as_mut() {
                    item_text.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(item_text) = item.as_mut() {
                    item_text.push(' ');
                }
            }
            _ => {}
        }
    }
    found
}

fn squeeze_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The DOI after `doi:` or `doi.org/`, without the punctuation that ends a sentence.
fn doi_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = ["doi:", "doi.org/"]
        .iter()
        .filter_map(|marker| lower.find(marker).map(|at| at + marker.len()))
        .min()?;
    let rest = text.get(start..)?.trim_start();
    let doi: &str = rest.split_whitespace().next()?;
    let doi = doi.trim_end_matches(['.', ',', ';', ')', ']']);
    (doi.starts_with("10.") && doi.contains('/')).then(|| doi.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_under_references_is_read_with_its_dois() {
        let markdown = "Intro [1].\n\n## Findings\n\n- not a reference\n\n## References\n\n\
             1. Li N, *et al.* Title one. *Science*. 2010;329:959. doi:10.1126/science.1190287\n\
             2. Dean RL. Title two. doi:10.1002/14651858.CD011612.pub3. PMCID: PMC8434915\n\
             3. A book without a DOI,\n   wrapped over two lines.\n\n## Appendix\n\n- not one either\n";
        let found = from_markdown(markdown);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0].text,
            "Li N, et al. Title one. Science. 2010;329:959. doi:10.1126/science.1190287"
        );
        assert_eq!(found[0].doi.as_deref(), Some("10.1126/science.1190287"));
        assert_eq!(
            found[1].doi_url().as_deref(),
            Some("https://doi.org/10.1002/14651858.CD011612.pub3")
        );
        assert_eq!(
            found[2].text,
            "A book without a DOI, wrapped over two lines."
        );
        assert_eq!(found[2].doi, None);
    }

    #[test]
    fn a_page_without_a_references_heading_cites_nothing() {
        assert!(from_markdown("# Title\n\n- one\n- two\n").is_empty());
        assert!(from_markdown("## Sources\n\nJust a paragraph.\n").is_empty());
    }
}
