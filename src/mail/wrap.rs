//! Plain-text mail parts wrapped at 72 columns by words, as mail readers expect: a line
//! that fits is left alone, a longer one breaks between words, and a word longer than a
//! line (a link) gets a line of its own, never broken.

/// The column plain-text mail wraps at.
pub const TEXT_WIDTH: usize = 72;

/// Wraps every line longer than `width` characters between words. List items and
/// indented lines keep their indentation on the lines they continue on.
pub fn wrap_text(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1));
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        wrap_line(line.trim_end_matches('\r'), width, &mut out);
    }
    out
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    if line.chars().count() <= width {
        out.push_str(line);
        return;
    }
    let indent_len = line.len() - line.trim_start().len();
    let (first_prefix, words_text) =
        line.split_at(indent_len + list_marker_len(&line[indent_len..]));
    // Continuation lines line up under the item's text, not under its marker.
    let hanging = " ".repeat(first_prefix.chars().count().min(width / 2));
    let mut current = first_prefix.to_owned();
    let mut current_len = current.chars().count();
    let mut has_word = false;
    for word in words_text.split(' ').filter(|w| !w.is_empty()) {
        let word_len = word.chars().count();
        if has_word && current_len + 1 + word_len > width {
            out.push_str(&current);
            out.push('\n');
            current = hanging.clone();
            current_len = hanging.len();
            has_word = false;
        }
        if has_word {
            current.push(' ');
            current_len += 1;
        }
        current.push_str(word);
        current_len += word_len;
        has_word = true;
    }
    out.push_str(&current);
}

/// The length of a list marker and its space at the start of `text` (`- `, `* `, `12. `).
fn list_marker_len(text: &str) -> usize {
    for bullet in ["- ", "* ", "+ "] {
        if text.starts_with(bullet) {
            return 2;
        }
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &text[digits..];
        if rest.starts_with(". ") || rest.starts_with(") ") {
            return digits + 2;
        }
    }
    0
}

/// Markdown written for a mail's text part: the lines of each paragraph joined (in
/// Markdown a line break inside a paragraph is a space), so that wrapping at 72 does not
/// leave the author's own wrapping at another width as a comb of short lines. Headings,
/// list items, quotes, tables, code and hard breaks (two trailing spaces) keep their lines.
pub fn join_paragraph_lines(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut previous_joins = false;
    for line in markdown.split('\n') {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            out.push(line.to_owned());
            previous_joins = false;
            continue;
        }
        let is_prose = !in_fence
            && !trimmed.is_empty()
            && line.len() - trimmed.len() < 4
            && !starts_block(trimmed);
        match out.last_mut() {
            Some(previous) if previous_joins && is_prose => {
                previous.push(' ');
                previous.push_str(trimmed);
            }
            _ => out.push(line.to_owned()),
        }
        // A list item's own text may continue on the next line, like a paragraph's.
        let ends_hard = line.ends_with("  ") || line.ends_with('\\');
        previous_joins = !in_fence
            && !trimmed.is_empty()
            && !ends_hard
            && !trimmed.starts_with('#')
            && !trimmed.starts_with('|')
            && (is_prose || list_marker_len(trimmed) > 0);
    }
    out.join("\n")
}

fn starts_block(trimmed: &str) -> bool {
    trimmed.starts_with('#')
        || trimmed.starts_with('>')
        || trimmed.starts_with('|')
        || trimmed.starts_with("---")
        || trimmed.starts_with("***")
        || trimmed.starts_with("___")
        || trimmed.starts_with("===")
        || list_marker_len(trimmed) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://example.org/manage/eyJhbGciOiJIUzI1NiJ9.a-very-long-token-that-is-longer-than-a-line";

    #[test]
    fn short_lines_are_left_as_they_are() {
        let text = "Hello.\n\n-- \nSite\nhttps://example.org\n";
        assert_eq!(wrap_text(text, 72), text);
    }

    #[test]
    fn a_long_line_breaks_between_words_and_fills_each_line() {
        let line = "Someone, probably you, asked to join this waitlist with this address. To confirm, open this link and press the button on the page:";
        let wrapped = wrap_text(line, 72);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert_eq!(
            lines,
            [
                "Someone, probably you, asked to join this waitlist with this address. To",
                "confirm, open this link and press the button on the page:",
            ]
        );
        assert_eq!(wrapped.replace('\n', " "), line);
    }

    #[test]
    fn a_link_is_never_broken_and_gets_its_own_line() {
        let wrapped = wrap_text(
            &format!("See, download or erase your data: {URL} today"),
            72,
        );
        let lines: Vec<&str> = wrapped.lines().collect();
        assert_eq!(
            lines,
            ["See, download or erase your data:", URL, "today"],
            "{wrapped}"
        );
    }

    #[test]
    fn list_items_continue_under_their_text() {
        let wrapped = wrap_text(
            "- The first week covers the basics of the course and what to read before it starts.",
            40,
        );
        assert_eq!(
            wrapped,
            "- The first week covers the basics of\n  the course and what to read before it\n  starts."
        );
    }

    #[test]
    fn paragraph_lines_are_joined_but_blocks_keep_theirs() {
        let markdown = "Hello there,\nthe dates are set.\n\n## Dates\n\n- one\n  continued\n- two\n\nA hard  \nbreak.\n\n```\ncode\nstays\n```\n";
        assert_eq!(
            join_paragraph_lines(markdown),
            "Hello there, the dates are set.\n\n## Dates\n\n- one continued\n- two\n\nA hard  \nbreak.\n\n```\ncode\nstays\n```\n"
        );
    }
}
