//! What search engines and feed readers fetch: `/robots.txt`, `/sitemap.xml` and the
//! Atom feed of reports (and published announcements) at `/feed.xml`. The site's part is
//! rendered once per site, with absolute URLs on the site's public origin; the newest
//! published announcements (from the database) are merged into it per request.

use std::fmt::Write as _;

use toml::value::Datetime;

use super::site::{Page, PageKind, Site};

/// Link pages (their paths carry a token), the owner's pages and the API: never worth a
/// crawl, and a crawler following a leaked link must not press anything. The link pages
/// act only on POST anyway; this keeps them out of indexes.
const NOT_FOR_CRAWLERS: &[&str] = &[
    "/admin",
    "/api/",
    "/manage",
    "/confirm/",
    "/unsubscribe/",
    "/accept/",
    "/decline/",
    "/waitlists/*/join/",
    "/waitlists/*/check-your-inbox",
];

/// `/robots.txt`: everything else is open, and the sitemap is named.
pub fn robots_txt(base_url: &str) -> String {
    let mut out = String::from("User-agent: *\nAllow: /\n");
    for path in NOT_FOR_CRAWLERS {
        let _ = writeln!(out, "Disallow: {path}");
    }
    let _ = writeln!(out, "\nSitemap: {base_url}/sitemap.xml");
    out
}

/// `/sitemap.xml` (sitemaps.org 0.9): the home page, every report and course page, each
/// with the date it last changed when its front matter gives one.
pub fn sitemap_xml(site: &Site, base_url: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let newest = site
        .pages
        .iter()
        .filter_map(last_modified)
        .max_by_key(|d| instant(d));
    push_url(&mut out, &format!("{base_url}/"), newest);
    for page in &site.pages {
        push_url(
            &mut out,
            &format!("{base_url}{}", page.url),
            last_modified(page),
        );
    }
    out.push_str("</urlset>\n");
    out
}

fn push_url(out: &mut String, location: &str, last_modified: Option<&Datetime>) {
    let _ = write!(out, "  <url><loc>{}</loc>", xml_escape(location));
    if let Some(date) = last_modified.and_then(w3c_datetime) {
        let _ = write!(out, "<lastmod>{date}</lastmod>");
    }
    out.push_str("</url>\n");
}

/// A published announcement as the feed and the sitemap list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsEntry {
    /// `/news/{id}`.
    pub path: String,
    pub title: String,
    /// Milliseconds since the epoch.
    pub published: i64,
    /// The first paragraph, as text.
    pub summary: String,
}

/// The sitemap with the published announcements' pages added (`sitemap` is the site's
/// own, from [`sitemap_xml`]).
pub fn sitemap_with_news(sitemap: &str, base_url: &str, news: &[NewsEntry]) -> String {
    let Some(open) = sitemap.strip_suffix("</urlset>\n") else {
        return sitemap.to_owned();
    };
    let mut out = String::with_capacity(sitemap.len() + news.len() * 120);
    out.push_str(open);
    for entry in news {
        let _ = writeln!(
            out,
            "  <url><loc>{}</loc><lastmod>{}</lastmod></url>",
            xml_escape(&format!("{base_url}{}", entry.path)),
            millis_rfc3339(entry.published)
        );
    }
    out.push_str("</urlset>\n");
    out
}

/// The feed's parts rendered once per site: the news entries are merged in per request.
#[derive(Debug, Clone, Default)]
pub struct FeedParts {
    base_url: String,
    /// Up to the feed's `<updated>`.
    head: String,
    /// The reports' newest date (ms), and how the feed writes it.
    reports_updated: Option<(i64, String)>,
    /// The feed's date when nothing gives one (when the site was published).
    published_at: String,
    /// From the feed's author to the last line before the entries.
    middle: String,
    /// Each report's entry with its publication instant (ms), newest first.
    entries: Vec<(i64, String)>,
}

impl FeedParts {
    /// The whole feed: reports and `news` (newest first, as the store lists them),
    /// merged newest first.
    pub fn render(&self, news: &[NewsEntry]) -> String {
        let newest_news = news.iter().map(|n| n.published).max();
        let updated = match (&self.reports_updated, newest_news) {
            (Some((at, text)), Some(n)) if *at >= n => text.clone(),
            (_, Some(n)) => millis_rfc3339(n),
            (Some((_, text)), None) => text.clone(),
            (None, None) => self.published_at.clone(),
        };
        let mut out = String::with_capacity(
            self.head.len() + self.middle.len() + (self.entries.len() + news.len()) * 600,
        );
        out.push_str(&self.head);
        let _ = writeln!(out, "  <updated>{updated}</updated>");
        out.push_str(&self.middle);
        let mut news: Vec<&NewsEntry> = news.iter().collect();
        news.sort_by_key(|n| std::cmp::Reverse(n.published));
        let mut news = news.into_iter().peekable();
        for (at, entry) in &self.entries {
            while let Some(item) = news.next_if(|n| n.published > *at) {
                self.push_news(&mut out, item);
            }
            out.push_str(entry);
        }
        for item in news {
            self.push_news(&mut out, item);
        }
        out.push_str("</feed>\n");
        out
    }

    fn push_news(&self, out: &mut String, item: &NewsEntry) {
        let url = xml_escape(&format!("{}{}", self.base_url, item.path));
        let at = millis_rfc3339(item.published);
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <title>{}</title>", xml_escape(&item.title));
        let _ = writeln!(out, "    <id>{url}</id>");
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>"
        );
        let _ = writeln!(out, "    <published>{at}</published>");
        let _ = writeln!(out, "    <updated>{at}</updated>");
        let summary = if item.summary.trim().is_empty() {
            &item.title
        } else {
            &item.summary
        };
        let _ = writeln!(out, "    <summary>{}</summary>", xml_escape(summary));
        out.push_str("  </entry>\n");
    }
}

/// RFC 3339 in UTC, to the second.
pub fn millis_rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// The moment a date stands for, in ms (for ordering the feed's entries).
fn millis_of(datetime: &Datetime) -> Option<i64> {
    instant(datetime).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The Atom 1.0 feed (RFC 4287) of dated reports, newest first. Atom needs a date on
/// every entry, so an undated report is left out (as Zola does). `published_at` dates a
/// feed that has no entry to take its date from.
pub fn atom_feed(site: &Site, base_url: &str, published_at: &str) -> String {
    feed_parts(site, base_url, published_at).render(&[])
}

/// The feed's parts that come from the site (see [`FeedParts`]).
pub fn feed_parts(site: &Site, base_url: &str, published_at: &str) -> FeedParts {
    let settings = &site.settings;
    let mut reports: Vec<(&Page, String)> = site
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::Report)
        .filter_map(|p| Some((p, rfc3339(p.front.date.as_ref()?)?)))
        .collect();
    reports.sort_by(|(a, _), (b, _)| {
        let published = |page: &Page| page.front.date.as_ref().and_then(instant);
        published(b)
            .cmp(&published(a))
            .then_with(|| a.slug.cmp(&b.slug))
    });
    let entry_updated = |page: &Page, published: &str| {
        page.front
            .updated
            .as_ref()
            .and_then(rfc3339)
            .unwrap_or_else(|| published.to_owned())
    };
    let reports_updated = reports
        .iter()
        .filter_map(|(page, _)| last_modified(page))
        .max_by_key(|d| instant(d))
        .and_then(|d| Some((millis_of(d)?, rfc3339(d)?)));
    let site_author = if settings.owner.trim().is_empty() {
        &settings.title
    } else {
        &settings.owner
    };

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        xml_escape(&settings.language)
    );
    let _ = writeln!(out, "  <title>{}</title>", xml_escape(&settings.title));
    if !settings.tagline.trim().is_empty() {
        let _ = writeln!(
            out,
            "  <subtitle>{}</subtitle>",
            xml_escape(&settings.tagline)
        );
    }
    let _ = writeln!(out, "  <id>{}/</id>", xml_escape(base_url));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}/feed.xml\"/>",
        xml_escape(base_url)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}/\"/>",
        xml_escape(base_url)
    );
    let head = std::mem::take(&mut out);
    let _ = writeln!(
        out,
        "  <author><name>{}</name></author>",
        xml_escape(site_author)
    );
    out.push_str("  <generator>quietlist</generator>\n");
    let middle = std::mem::take(&mut out);
    let mut entries = Vec::with_capacity(reports.len());
    for (page, published) in &reports {
        let at = page
            .front
            .date
            .as_ref()
            .and_then(millis_of)
            .unwrap_or(i64::MIN);
        let url = xml_escape(&format!("{base_url}{}", page.url));
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <title>{}</title>", xml_escape(&page.front.title));
        let _ = writeln!(out, "    <id>{url}</id>");
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>"
        );
        let _ = writeln!(out, "    <published>{published}</published>");
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            entry_updated(page, published)
        );
        for author in &page.front.authors {
            let _ = writeln!(
                out,
                "    <author><name>{}</name></author>",
                xml_escape(author)
            );
        }
        let summary = if page.front.description.trim().is_empty() {
            &page.front.title
        } else {
            &page.front.description
        };
        let _ = writeln!(out, "    <summary>{}</summary>", xml_escape(summary));
        out.push_str("  </entry>\n");
        entries.push((at, std::mem::take(&mut out)));
    }
    FeedParts {
        base_url: base_url.to_owned(),
        head,
        reports_updated,
        published_at: published_at.to_owned(),
        middle,
        entries,
    }
}

/// When a page last changed, by its front matter: `updated`, else `date`.
pub fn last_modified(page: &Page) -> Option<&Datetime> {
    page.front.updated.as_ref().or(page.front.date.as_ref())
}

/// The moment a date or date-time stands for (a date: its midnight UTC), to order
/// them whatever their offsets.
fn instant(datetime: &Datetime) -> Option<time::OffsetDateTime> {
    let text = rfc3339(datetime)?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()
}

/// RFC 3339, as Atom requires: a date alone becomes its midnight UTC, and a date-time
/// without an offset is taken as UTC.
pub fn rfc3339(datetime: &Datetime) -> Option<String> {
    let date = datetime.date?;
    Some(match (datetime.time, datetime.offset) {
        (None, _) => format!("{date}T00:00:00Z"),
        (Some(time), Some(offset)) => format!("{date}T{time}{offset}"),
        (Some(time), None) => format!("{date}T{time}Z"),
    })
}

/// The W3C profile of ISO 8601 that sitemaps take: a date alone, or a date-time with
/// its offset (taken as UTC when the front matter gives none).
fn w3c_datetime(datetime: &Datetime) -> Option<String> {
    match datetime.time {
        None => datetime.date.map(|d| d.to_string()),
        Some(_) => rfc3339(datetime),
    }
}

/// Text and attribute values for XML: the five special characters escaped, and the
/// control characters XML 1.0 cannot carry at all dropped.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datetime(text: &str) -> Datetime {
        text.parse().unwrap()
    }

    #[test]
    fn dates_become_rfc_3339_for_atom_and_w3c_dates_for_sitemaps() {
        assert_eq!(
            rfc3339(&datetime("2026-11-20")).unwrap(),
            "2026-11-20T00:00:00Z"
        );
        assert_eq!(
            rfc3339(&datetime("2026-11-20T08:30:00+02:00")).unwrap(),
            "2026-11-20T08:30:00+02:00"
        );
        assert_eq!(
            rfc3339(&datetime("2026-11-20T08:30:00")).unwrap(),
            "2026-11-20T08:30:00Z"
        );
        assert_eq!(w3c_datetime(&datetime("2026-11-20")).unwrap(), "2026-11-20");
        assert_eq!(rfc3339(&datetime("08:30:00")), None);
    }

    #[test]
    fn xml_text_is_escaped_and_control_characters_are_dropped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'>\u{1}e"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;e"
        );
    }

    #[test]
    fn news_entries_are_merged_with_reports_newest_first() {
        let mut parts = FeedParts {
            base_url: "https://example.org".into(),
            head: "<feed>\n".into(),
            published_at: "2000-01-01T00:00:00Z".into(),
            ..FeedParts::default()
        };
        parts.entries = vec![
            (2_000_000, "  <entry>report-2</entry>\n".into()),
            (1_000_000, "  <entry>report-1</entry>\n".into()),
        ];
        parts.reports_updated = Some((2_000_000, "R".into()));
        let news = |published: i64, path: &str| NewsEntry {
            path: path.into(),
            title: "A <b>".into(),
            published,
            summary: String::new(),
        };
        let feed = parts.render(&[news(3_000_000, "/news/3"), news(1_500_000, "/news/1")]);
        let order: Vec<usize> = ["/news/3", "report-2", "/news/1", "report-1"]
            .iter()
            .map(|needle| feed.find(needle).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{feed}");
        assert!(
            feed.contains("<updated>1970-01-01T00:50:00Z</updated>"),
            "{feed}"
        );
        assert!(feed.contains("<summary>A &lt;b&gt;</summary>"), "{feed}");
        assert!(parts.render(&[]).contains("<updated>R</updated>"));
    }

    #[test]
    fn robots_names_the_sitemap_and_keeps_crawlers_off_link_pages() {
        let robots = robots_txt("https://example.org");
        assert!(robots.contains("Sitemap: https://example.org/sitemap.xml\n"));
        for path in ["/admin", "/manage", "/unsubscribe/", "/confirm/"] {
            assert!(robots.contains(&format!("Disallow: {path}\n")), "{path}");
        }
    }
}
