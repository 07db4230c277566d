//! Reading quality: citations that lead to their reference and back, footnotes, heading
//! anchors, images with their sizes, and plain-text mails wrapped at 72 columns. Pages
//! are fetched from the running app and read with an HTML parser (scraper).

use std::collections::{HashMap, HashSet};

use scraper::{Html, Selector};

use crate::dkim::one_of_each_kind;
use crate::helpers::*;

const REPORT: &str = "/reports/ketamine-rapid-antidepressant";

fn select(selector: &str) -> Selector {
    Selector::parse(selector).unwrap()
}

/// Every id on the page, failing if one is used twice.
fn unique_ids(page: &Html) -> HashSet<String> {
    let mut seen = HashSet::new();
    for element in page.select(&select("[id]")) {
        let id = element.value().attr("id").unwrap().to_owned();
        assert!(seen.insert(id.clone()), "id {id:?} is used twice");
    }
    seen
}

fn fragment(href: &str) -> &str {
    href.strip_prefix('#')
        .unwrap_or_else(|| panic!("{href} is not a link within the page"))
}

#[tokio::test]
async fn every_citation_leads_to_its_reference_and_every_reference_back_to_it() {
    let app = spawn_app().await;
    let page = Html::parse_document(&app.get_text(REPORT).await);
    let ids = unique_ids(&page);

    let citations: Vec<_> = page.select(&select(".prose a.cite")).collect();
    assert!(
        citations.len() >= 17,
        "the report cites each of its 17 references at least once, found {} links",
        citations.len()
    );
    let mut cited = HashMap::new();
    for citation in &citations {
        let target = fragment(citation.value().attr("href").unwrap());
        assert!(
            ids.contains(target),
            "citation to #{target}, which is not on the page"
        );
        let number = target
            .strip_prefix("ref-")
            .expect("a citation leads to ref-N");
        assert!(
            citation.text().collect::<String>().contains(number),
            "the citation's text names its number"
        );
        cited
            .entry(number.to_owned())
            .or_insert_with(|| citation.value().attr("id").unwrap().to_owned());
    }

    let references: Vec<_> = page.select(&select(".prose li[id^=\"ref-\"]")).collect();
    assert_eq!(references.len(), 17, "the numbered reference list");
    for (index, reference) in references.iter().enumerate() {
        let number = (index + 1).to_string();
        assert_eq!(
            reference.value().attr("id"),
            Some(&*format!("ref-{number}"))
        );
        let back = reference
            .select(&select("a.backref"))
            .next()
            .unwrap_or_else(|| panic!("reference {number} has no link back"));
        let target = fragment(back.value().attr("href").unwrap());
        assert!(
            ids.contains(target),
            "back link to #{target}, not on the page"
        );
        assert_eq!(
            Some(target),
            cited.get(&number).map(String::as_str),
            "reference {number} leads back to its first citation"
        );
        let label = back.value().attr("aria-label").unwrap_or("");
        assert!(
            label.contains("citation") && label.contains(&number),
            "the ↩ has a name a screen reader can say: {label:?}"
        );
    }
}

#[tokio::test]
async fn every_section_heading_has_a_unique_id_an_anchor_and_the_contents_lead_to_them() {
    let app = spawn_app().await;
    let page = Html::parse_document(&app.get_text(REPORT).await);
    let ids = unique_ids(&page);
    let headings: Vec<_> = page.select(&select(".prose h2, .prose h3")).collect();
    assert!(headings.len() >= 10, "{}", headings.len());
    for heading in &headings {
        let id = heading.value().attr("id").expect("every h2/h3 has an id");
        let anchor = heading
            .select(&select("a.anchor"))
            .next()
            .unwrap_or_else(|| panic!("heading #{id} has no anchor link"));
        assert_eq!(anchor.value().attr("href"), Some(&*format!("#{id}")));
        let name = anchor.value().attr("aria-label").unwrap_or("");
        let title: String = heading
            .text()
            .collect::<String>()
            .trim_end_matches('#')
            .trim()
            .to_owned();
        assert!(
            name.contains(&title),
            "anchor name {name:?} names {title:?}"
        );
    }
    let contents: Vec<_> = page.select(&select("nav.toc a")).collect();
    assert!(contents.len() >= 3);
    for entry in contents {
        let target = fragment(entry.value().attr("href").unwrap());
        assert!(ids.contains(target), "contents entry to #{target}");
    }
}

/// A 3x2 PNG header (the size is all a reader of sizes needs).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

const NOTES_PAGE: &str = "+++\ntitle = \"Notes\"\n+++\n\nA claim[^why] and another[^how].\n\n\
    ![Response rates by week](/static/chart.png)\n\n[^why]: Because.\n\n[^how]: Like this.\n";

#[tokio::test]
async fn footnotes_link_both_ways_and_images_carry_their_size_and_load_lazily() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    std::fs::write(site.path().join("static/chart.png"), png(640, 480)).unwrap();
    std::fs::write(site.path().join("reports/notes.md"), NOTES_PAGE).unwrap();
    let dir = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.site_dir = Some(dir)).await;
    let page = Html::parse_document(&app.get_text("/reports/notes").await);
    let ids = unique_ids(&page);

    let refs: Vec<_> = page.select(&select(".footnote-ref a")).collect();
    assert_eq!(refs.len(), 2);
    for (index, reference) in refs.iter().enumerate() {
        let number = index + 1;
        assert_eq!(
            reference.value().attr("href"),
            Some(&*format!("#fn-{number}"))
        );
        assert!(ids.contains(&format!("fn-{number}")));
        let note = page
            .select(&select(&format!("#fn-{number} a.backref")))
            .next()
            .unwrap();
        let back = fragment(note.value().attr("href").unwrap());
        assert_eq!(Some(back), reference.value().attr("id"));
    }

    let image = page.select(&select(".prose img")).next().unwrap();
    let attr = |name: &str| image.value().attr(name);
    assert_eq!(attr("src"), Some("/static/chart.png"));
    assert_eq!(attr("alt"), Some("Response rates by week"));
    assert_eq!((attr("width"), attr("height")), (Some("640"), Some("480")));
    assert_eq!(
        (attr("loading"), attr("decoding")),
        (Some("lazy"), Some("async"))
    );
    let served = app.get("/static/chart.png").await;
    assert_eq!(served.status().as_u16(), 200);
}

#[test]
fn an_image_without_alt_stops_the_server_with_the_file_and_line() {
    let site = tempfile::tempdir().unwrap();
    copy_demo_site(site.path());
    std::fs::write(
        site.path().join("reports/notes.md"),
        "+++\ntitle = \"Notes\"\n+++\n\nText.\n\n![](/static/chart.png)\n",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = serve_command(data.path(), &[])
        .env("QUIETLIST_SITE_DIR", site.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("reports/notes.md:7: image \\\"/static/chart.png\\\" has no alt text")
            || said.contains("reports/notes.md:7: image \"/static/chart.png\" has no alt text"),
        "{said}"
    );
}

/// Lines of a mail's text part that break the 72-column rule, or end a sentence early
/// although the next word would have fit (a link may start a line of its own).
fn wrapping_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let width = line.chars().count();
        if width > 72 && line.trim().contains(' ') {
            problems.push(format!("{width} columns: {line:?}"));
        }
        let Some(next) = lines.get(index + 1) else {
            continue;
        };
        let ends_sentence = line.trim_end().ends_with(['.', ':', '!', '?', ')', ','])
            || line.trim().is_empty()
            || line.trim() == "--"
            || line.trim_start().starts_with("http");
        let next_word = next.split_whitespace().next().unwrap_or("");
        if !ends_sentence
            && !next_word.is_empty()
            && !next_word.starts_with("http")
            && width + 1 + next_word.chars().count() <= 72
        {
            problems.push(format!("broken early: {line:?} / {next:?}"));
        }
    }
    problems
}

#[tokio::test]
async fn every_plain_text_mail_is_wrapped_at_72_columns_by_words() {
    let app = spawn_app().await;
    let mut mails = one_of_each_kind(&app, "reader@example.com").await;
    // The reader has had their share of mails under the cap (and a seat): another person
    // on the list gets the announcement.
    crate::promise::confirmed_person(&app, "listener@example.com").await;
    // An announcement whose author wrapped at 80 columns, with a long link and a list.
    let file = app.data_dir.parent().unwrap().join("wrapped.md");
    std::fs::write(
        &file,
        "+++\nsubject = \"The pilot's dates\"\n+++\n\nHello {{ name }},\n\n\
         The pilot starts in June, and we wanted you to hear it from us before anyone\n\
         else: the first session is on a Monday evening, and each one after it is too.\n\n\
         - Read the syllabus before the first session, at https://example.org/a/very/long/path/to/the/syllabus/of/the/pilot/course?utm_source=owner\n\
         - Bring questions.\n",
    )
    .unwrap();
    let announced = quietlist_command_on(&app.data_dir)
        .args(["announce", LIST])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        announced.status.success(),
        "{}",
        String::from_utf8_lossy(&announced.stderr)
    );
    mails.push((
        "announcement",
        mail_with_subject(&app, "listener@example.com", "The pilot's dates").await,
    ));

    for (kind, mail) in &mails {
        let text = text_body(mail);
        let problems = wrapping_problems(&text);
        assert!(problems.is_empty(), "{kind}:\n{problems:#?}\n{text}");
    }
    let announcement = text_body(&mails.last().unwrap().1).replace("\r\n", "\n");
    assert!(
        announcement.contains("\n  https://example.org/a/very/long/path/to/the/syllabus/of/the/pilot/course?utm_source=owner\n"),
        "the link is whole, on its own line under its item:\n{announcement}"
    );
    assert!(
        announcement.contains(
            "The pilot starts in June, and we wanted you to hear it from us before\nanyone else:"
        ),
        "the author's 80-column lines are joined and wrapped again:\n{announcement}"
    );
}

#[test]
fn the_wrapping_check_catches_long_lines_and_early_breaks() {
    // The test above must be able to fail: here is what it calls a problem.
    let long = "word ".repeat(20);
    assert_eq!(wrapping_problems(&long).len(), 1);
    assert_eq!(
        wrapping_problems("The pilot starts in June and\nwe wanted you to hear it.").len(),
        1
    );
    assert!(wrapping_problems("A sentence.\nNext one.\nhttps://example.org/x\n").is_empty());
    let url = format!("https://example.org/{}", "x".repeat(80));
    assert!(wrapping_problems(&format!("Open:\n{url}\n")).is_empty());
}
