//! Images: alt text required, width and height read from the file (so the page does not
//! jump as they arrive), loaded lazily and decoded off the main thread.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::{ImageFiles, MarkdownError, escape_html};

/// Replaces each image's events by one `<img>`; every image must have alt text, and with
/// `files` every image must be a readable file of the site's static/ folder.
pub(super) fn render(
    events: &mut Vec<Event<'_>>,
    files: ImageFiles<'_>,
    line_of: &dyn Fn(usize) -> usize,
) -> Result<(), MarkdownError> {
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = &events[i]
        else {
            i += 1;
            continue;
        };
        let (url, title) = (dest_url.to_string(), title.to_string());
        let line = line_of(i);
        let end = events[i..]
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Image)))
            .map_or(events.len(), |at| i + at);
        let alt = alt_text(&events[i + 1..end]);
        if alt.trim().is_empty() {
            return Err(MarkdownError::ImageWithoutAlt { url, line });
        }
        let size = match files {
            Some(files) => size_of(&url, files, line)?,
            None => None,
        };
        let mut tag = format!(
            "<img src=\"{}\" alt=\"{}\"",
            escape_html(&url),
            escape_html(alt.trim())
        );
        if !title.is_empty() {
            tag.push_str(&format!(" title=\"{}\"", escape_html(&title)));
        }
        if let Some((width, height)) = size {
            tag.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
        }
        tag.push_str(" loading=\"lazy\" decoding=\"async\">");
        let stop = (end + 1).min(events.len());
        events.splice(i..stop, [Event::InlineHtml(CowStr::from(tag))]);
        i += 1;
    }
    Ok(())
}

/// The words inside `![...]`, as a screen reader should say them.
fn alt_text(events: &[Event<'_>]) -> String {
    let mut alt = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => alt.push_str(t),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    alt
}

/// Width and height of `/static/NAME` from its bytes; SVG (no fixed pixel size) has none.
fn size_of(
    url: &str,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    line: usize,
) -> Result<Option<(usize, usize)>, MarkdownError> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let bytes = path
        .strip_prefix("/static/")
        .and_then(|name| files.get(name))
        .ok_or_else(|| MarkdownError::ImageNotFound {
            url: url.to_owned(),
            line,
        })?;
    if path.to_ascii_lowercase().ends_with(".svg") {
        return Ok(None);
    }
    let size = imagesize::blob_size(bytes).map_err(|e| MarkdownError::ImageUnreadable {
        url: url.to_owned(),
        line,
        reason: e.to_string(),
    })?;
    Ok(Some((size.width, size.height)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{MarkdownError, render, render_page};

    /// A 3x2 PNG: signature, and an IHDR chunk (the size is all that is read).
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn an_image_gets_its_size_from_the_file_and_loads_lazily() {
        let files = BTreeMap::from([("chart.png".to_owned(), png(640, 480))]);
        let r = render_page(
            "Text.\n\n![Response rates by week](/static/chart.png \"Figure 1\")\n",
            &files,
        )
        .unwrap();
        assert!(
            r.html.contains(
                "<img src=\"/static/chart.png\" alt=\"Response rates by week\" \
                 title=\"Figure 1\" width=\"640\" height=\"480\" loading=\"lazy\" \
                 decoding=\"async\">"
            ),
            "{}",
            r.html
        );
    }

    #[test]
    fn an_image_without_alt_text_is_an_error_naming_its_line() {
        let error = render("# T\n\nText.\n\n![](/static/chart.png)\n").unwrap_err();
        assert_eq!(
            error,
            MarkdownError::ImageWithoutAlt {
                url: "/static/chart.png".into(),
                line: 5
            }
        );
        assert_eq!(error.line(), 5);
        assert!(render("![  ](/static/chart.png)").is_err());
    }

    #[test]
    fn a_missing_or_unreadable_image_file_is_an_error() {
        let files = BTreeMap::from([("notes.png".to_owned(), b"not an image".to_vec())]);
        assert!(matches!(
            render_page("![A chart](/static/chart.png)", &files),
            Err(MarkdownError::ImageNotFound { line: 1, .. })
        ));
        assert!(matches!(
            render_page("![A chart](/static/notes.png)", &files),
            Err(MarkdownError::ImageUnreadable { line: 1, .. })
        ));
    }

    #[test]
    fn alt_text_cannot_break_out_of_its_attribute() {
        let r = render("![a \"quoted\" <b>word</b>](/static/x.png)").unwrap();
        assert!(
            r.html
                .contains("alt=\"a “quoted” &lt;b&gt;word&lt;/b&gt;\""),
            "{}",
            r.html
        );
    }
}
