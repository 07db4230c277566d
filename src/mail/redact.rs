//! What an SMTP server says back may name the recipient ("550 5.1.1 <ana@example.org>:
//! Recipient address rejected"). That text goes to the log and into the outbox's
//! records, where no address may be kept in clear: every address-like word is replaced
//! before it goes anywhere.

/// `text` with every word that contains an `@` replaced by `<address>`, keeping the
/// reply code, the enhanced status code and the server's other words.
pub fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("<address>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        // Quotes, brackets and separators end an address as servers write them.
        if c.is_whitespace()
            || matches!(
                c,
                '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ';'
            )
        {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The longest reason kept on a person for an address its server refused.
const MAX_REASON_CHARS: usize = 300;

/// What is kept on a person whose address its server refused for good, and shown to the
/// owner: the server's words without any address, of a bounded length.
pub fn refusal_reason(said: &str) -> String {
    let kept = without_addresses(said.trim());
    match kept.char_indices().nth(MAX_REASON_CHARS) {
        Some((end, _)) => format!("{}…", &kept[..end]),
        None => kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reason_keeps_the_words_not_the_address_and_is_bounded() {
        let reason = refusal_reason(
            "550 5.1.1 <ana@example.org>: Recipient address rejected: User unknown\r\n",
        );
        assert_eq!(
            reason,
            "550 5.1.1 <<address>>: Recipient address rejected: User unknown"
        );
        let long = refusal_reason(&format!("550 {}", "é".repeat(1_000)));
        assert_eq!(long.chars().count(), MAX_REASON_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn a_rejected_recipient_is_not_repeated() {
        let said = "permanent error (550): 5.1.1 <victim.person@example.com>: Recipient address rejected: User unknown in local recipient table";
        let kept = without_addresses(said);
        assert!(!kept.contains("victim.person"), "{kept}");
        assert!(!kept.contains('@'), "{kept}");
        assert!(
            kept.starts_with("permanent error (550): 5.1.1 <<address>>:"),
            "{kept}"
        );
        assert!(kept.ends_with("User unknown in local recipient table"));
    }

    #[test]
    fn bare_quoted_and_unicode_addresses_go_too() {
        for said in [
            "451 4.7.1 ana@example.org: greylisted",
            "550 \"ana+tag@example.org\" unknown",
            "550 mailbox (josé@exämple.org) full",
            "550 RCPT TO:<a@b>",
        ] {
            let kept = without_addresses(said);
            assert!(!kept.contains('@'), "{said} -> {kept}");
        }
        assert_eq!(
            without_addresses("421 4.3.2 try later"),
            "421 4.3.2 try later"
        );
    }
}
