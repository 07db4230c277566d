//! Publishing: Markdown and front matter in, cached HTML out.
//!
//! Every public page is rendered once (at start, and again when the site changes) and
//! kept in memory precompressed. Requests never render a report.

pub mod announcement;
pub mod check;
mod check_page;
pub mod compressed;
mod demo;
pub mod discovery;
pub mod markdown;
pub mod origins;
pub mod references;
pub mod reload;
pub mod share;
pub mod site;
pub mod templates;

use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

pub use compressed::{Compressed, Encoding};
pub use site::{PageKind, Site, SiteFiles, Waitlist};
pub use templates::Templates;

/// How long the confirmation link works, in hours (shown on pages and in mail).
pub const CONFIRM_HOURS: i64 = 48;

/// A static file and how long caches may keep it.
#[derive(Debug, Clone)]
pub struct Asset {
    pub body: Compressed,
    /// `true` for content-hashed URLs, which never change and may be cached for a year.
    pub immutable: bool,
}

/// How a site is published: what its pages cannot know from the site folder.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The public origin (`QUIETLIST_BASE_URL`, or the development default), without a
    /// trailing slash: canonical links, the sitemap, the feed and share tags are absolute.
    pub base_url: String,
}

/// The site, rendered.
#[derive(Debug)]
pub struct Published {
    pub site: Site,
    pub templates: Templates,
    pub css_url: String,
    /// The public origin every absolute URL starts with.
    pub base_url: String,
    pages: HashMap<String, Compressed>,
    /// Drafts by their would-be path, for the preview address only.
    previews: HashMap<String, Compressed>,
    assets: HashMap<String, Asset>,
    /// The 404 and 410 pages, rendered with the site's layout once, like every page.
    not_found: Compressed,
    gone: Compressed,
    /// The site's own sitemap and feed, into which published announcements are merged.
    sitemap: String,
    feed: discovery::FeedParts,
    share_image_url: String,
}

const DEFAULT_CSS: &str = include_str!("../../static/site.css");
/// The share image and icon a site gets unless its static/ folder has its own
/// (drawn by scripts/make-default-images.py).
const DEFAULT_SHARE_IMAGE: &[u8] = include_bytes!("../../static/share.png");
const DEFAULT_FAVICON: &[u8] = include_bytes!("../../static/favicon.ico");

/// A content-hashed address for a static file: it never changes, so caches keep it.
fn hashed_url(stem: &str, extension: &str, bytes: &[u8]) -> String {
    let hash = hex::encode(&Sha256::digest(bytes)[..8]);
    format!("/static/{stem}.{hash}.{extension}")
}

impl Published {
    pub fn build(site: Site, options: &PublishOptions) -> anyhow::Result<Self> {
        let templates = Templates::new(&site.templates)?;
        let site_file = |name: &str, default: &[u8]| {
            site.static_files
                .get(name)
                .cloned()
                .unwrap_or_else(|| default.to_vec())
        };
        let css = site_file("site.css", DEFAULT_CSS.as_bytes());
        let css_url = hashed_url("site", "css", &css);
        let share_image = site_file("share.png", DEFAULT_SHARE_IMAGE);
        let share_image_url = hashed_url("share", "png", &share_image);
        let favicon = site_file("favicon.ico", DEFAULT_FAVICON);

        let mut assets = HashMap::new();
        assets.insert(
            css_url.clone(),
            Asset {
                body: Compressed::new("text/css; charset=utf-8", css),
                immutable: true,
            },
        );
        assets.insert(
            share_image_url.clone(),
            Asset {
                body: Compressed::new("image/png", share_image),
                immutable: true,
            },
        );
        // Browsers ask for /favicon.ico whatever the page says; it answers at both.
        for path in ["/favicon.ico", "/static/favicon.ico"] {
            assets.insert(
                path.to_owned(),
                Asset {
                    body: Compressed::new("image/x-icon", favicon.clone()),
                    immutable: false,
                },
            );
        }
        for (name, bytes) in &site.static_files {
            if ["site.css", "share.png", "favicon.ico"].contains(&name.as_str()) {
                continue;
            }
            assets.insert(
                format!("/static/{name}"),
                Asset {
                    body: Compressed::new(content_type_for(name), bytes.clone()),
                    immutable: false,
                },
            );
        }

        let base_url = options.base_url.trim_end_matches('/').to_owned();
        let published_at = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
        // The sitemap and the feed take the published announcements per request: their
        // site part is kept here, rendered once.
        let sitemap = discovery::sitemap_xml(&site, &base_url);
        let feed = discovery::feed_parts(&site, &base_url, &published_at);
        assets.insert(
            "/robots.txt".to_owned(),
            Asset {
                body: Compressed::new(
                    "text/plain; charset=utf-8",
                    discovery::robots_txt(&base_url).into_bytes(),
                ),
                immutable: false,
            },
        );

        let mut published = Self {
            site,
            templates,
            css_url,
            base_url,
            pages: HashMap::new(),
            previews: HashMap::new(),
            assets,
            not_found: Compressed::new("text/html; charset=utf-8", Vec::new()),
            gone: Compressed::new("text/html; charset=utf-8", Vec::new()),
            sitemap,
            feed,
            share_image_url: share_image_url.clone(),
        };
        published.render_pages(&share_image_url)?;
        Ok(published)
    }

    fn render_pages(&mut self, share_image_path: &str) -> anyhow::Result<()> {
        let mut pages = HashMap::new();
        let image_url = format!("{}{share_image_path}", self.base_url);
        let share = share::Share {
            site: &self.site.settings,
            base_url: &self.base_url,
            image_url: &image_url,
        };
        let reports: Vec<_> = self
            .site
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Report)
            .collect();
        let courses: Vec<_> = self
            .site
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Course)
            .collect();
        let home = self.render(
            "home.html",
            json!({
                "reports": reports,
                "courses": courses,
                "description": self.site.settings.tagline,
                "meta": share.home(),
            }),
        )?;
        pages.insert("/".to_owned(), html(home));
        let way_back = json!({ "reports": reports, "courses": courses });
        let not_found = self.render("not_found.html", way_back.clone())?;
        let gone = self.render("gone.html", way_back)?;

        for page in &self.site.pages {
            let waitlist = page
                .front
                .waitlist
                .as_ref()
                .and_then(|name| self.site.waitlist(name.as_str()));
            let body = self.render(
                "page.html",
                json!({
                    "page": page,
                    "lang": self.site.page_language(page).tag(),
                    "description": page.front.description,
                    "waitlist": waitlist,
                    "form_id": format!("{}:{}", match page.kind { PageKind::Report => "report", PageKind::Course => "course" }, page.slug),
                    "form": { "values": {}, "errors": {} },
                    "meta": share.page(page),
                }),
            )?;
            pages.insert(page.url.clone(), html(body));
        }

        for waitlist in self.site.waitlists.values() {
            let mut context = signup_context(waitlist, &Map::new(), &Map::new(), None);
            context["meta"] = json!(share.waitlist(waitlist));
            let body = self.render("signup.html", context)?;
            pages.insert(format!("/waitlists/{}", waitlist.settings.name), html(body));
            // One per language: a form says which language it was in, and its
            // visitor is sent to the page in that language.
            for (language, _, _) in crate::i18n::LANGUAGES {
                let inbox = self.render(
                    "check_inbox.html",
                    json!({
                        "waitlist": waitlist,
                        "confirm_hours": CONFIRM_HOURS,
                        "noindex": true,
                        "lang": language.tag(),
                    }),
                )?;
                pages.insert(
                    check_inbox_path(&waitlist.settings.name, *language, self.site.language()),
                    html(inbox),
                );
            }
        }
        let mut previews = HashMap::new();
        for page in &self.site.drafts {
            // No share tags, canonical link or JSON-LD: nothing a crawler could take as
            // the page's public address. `noindex` in case the address leaks.
            let body = self.render(
                "page.html",
                json!({
                    "page": page,
                    "description": page.front.description,
                    "waitlist": page.front.waitlist.as_ref().and_then(|name| self.site.waitlist(name.as_str())),
                    "form_id": format!("{}:{}", page.kind.folder().trim_end_matches('s'), page.slug),
                    "form": { "values": {}, "errors": {} },
                    "noindex": true,
                }),
            )?;
            previews.insert(page.url.clone(), html(body));
        }
        self.pages = pages;
        self.previews = previews;
        self.not_found = html(not_found);
        self.gone = html(gone);
        Ok(())
    }

    /// The signup page for `waitlist`, with what the visitor typed and what was wrong,
    /// in the language of the form it came from.
    pub fn render_signup_form(
        &self,
        waitlist: &Waitlist,
        values: &Map<String, Json>,
        errors: &Map<String, Json>,
        form_id: Option<&str>,
        language: crate::i18n::Language,
    ) -> anyhow::Result<String> {
        let mut context = signup_context(waitlist, values, errors, form_id);
        context["lang"] = json!(language.tag());
        self.render("signup.html", context)
    }

    /// Renders a template with the context every page shares (`site`, `css_url`,
    /// `base_url`).
    pub fn render(&self, template: &str, context: Json) -> anyhow::Result<String> {
        let mut map = match context {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        map.entry("lang")
            .or_insert_with(|| json!(self.site.settings.language));
        map.insert("site".into(), json!(self.site.settings));
        map.insert("css_url".into(), json!(self.css_url));
        map.insert("base_url".into(), json!(self.base_url));
        // Forms carry a time stamp; prerendered pages hold a placeholder of its length
        // that each request fills in (`Compressed::with_slot`), as do dynamic renders.
        map.entry("form_stamp")
            .or_insert_with(|| json!(crate::abuse::stamp::PLACEHOLDER));
        self.templates.render(
            template,
            minijinja::Value::from(minijinja::value::Serde(&map)),
        )
    }

    /// A prerendered page by its path.
    pub fn page(&self, path: &str) -> Option<&Compressed> {
        self.pages.get(path)
    }

    /// A draft, rendered for its preview address, by the path it will have.
    pub fn preview(&self, path: &str) -> Option<&Compressed> {
        self.previews.get(path)
    }

    /// The paths of the drafts, for printing their preview addresses.
    pub fn draft_paths(&self) -> impl Iterator<Item = &str> {
        self.site.drafts.iter().map(|p| p.url.as_str())
    }

    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }

    /// The 404 page: the site's layout and a way back to the home page and the reports.
    pub fn not_found_page(&self) -> &Compressed {
        &self.not_found
    }

    /// The 410 page, when `path` is one the site says was removed.
    pub fn gone_page(&self, path: &str) -> Option<&Compressed> {
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        self.site.gone.contains(path).then_some(&self.gone)
    }

    /// The 410 page, for an announcement the owner took off the site.
    pub fn withdrawn_page(&self) -> &Compressed {
        &self.gone
    }

    /// `/sitemap.xml` with these published announcements.
    pub fn sitemap_with(&self, news: &[discovery::NewsEntry]) -> String {
        discovery::sitemap_with_news(&self.sitemap, &self.base_url, news)
    }

    /// `/feed.xml` with these published announcements.
    pub fn feed_with(&self, news: &[discovery::NewsEntry]) -> String {
        self.feed.render(news)
    }

    /// `/news/{id}`: a published announcement as a page of the site, its text rendered
    /// by the announcements' Markdown entry point with `{{ name }}` as its fallback
    /// (never anyone's name), escaped like every page.
    pub fn render_news(&self, news: &NewsPage<'_>) -> anyhow::Result<String> {
        let image_url = format!("{}{}", self.base_url, self.share_image_url);
        let share = share::Share {
            site: &self.site.settings,
            base_url: &self.base_url,
            image_url: &image_url,
        };
        let published = discovery::millis_rfc3339(news.published_at);
        let date_display = published.get(..10).unwrap_or(&published).to_owned();
        self.render(
            "news.html",
            json!({
                "news": {
                    "title": news.title,
                    "html": news.html,
                    "date": published,
                    "date_display": date_display,
                },
                "description": news.summary,
                "meta": share.news(news.path, news.title, news.summary, &published),
            }),
        )
    }

    /// Every prerendered path, for tests and for warming caches.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.pages.keys().map(String::as_str)
    }
}

/// A published announcement, ready for its page.
pub struct NewsPage<'a> {
    /// `/news/{id}`.
    pub path: &'a str,
    pub title: &'a str,
    /// The text as HTML, from the announcements' renderer.
    pub html: &'a str,
    /// Its first paragraph, as text.
    pub summary: &'a str,
    pub published_at: i64,
}

/// Where a signup form sends its visitor: the page in the form's language (the site's
/// language at the plain address, any other under its tag).
pub fn check_inbox_path(
    list: &impl std::fmt::Display,
    language: crate::i18n::Language,
    site_language: crate::i18n::Language,
) -> String {
    if language == site_language {
        format!("/waitlists/{list}/check-your-inbox")
    } else {
        format!("/waitlists/{list}/check-your-inbox/{}", language.tag())
    }
}

fn signup_context(
    waitlist: &Waitlist,
    values: &Map<String, Json>,
    errors: &Map<String, Json>,
    form_id: Option<&str>,
) -> Json {
    let default_form = format!("waitlist:{}", waitlist.settings.name);
    json!({
        "waitlist": waitlist,
        "form_id": form_id.unwrap_or(&default_form),
        "form": { "values": values, "errors": errors },
        "referral": values.get("ref"),
    })
}

fn html(body: String) -> Compressed {
    Compressed::with_slot(
        "text/html; charset=utf-8",
        body.into_bytes(),
        crate::abuse::stamp::PLACEHOLDER,
    )
}

fn content_type_for(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> PublishOptions {
        PublishOptions {
            base_url: "https://example.org".into(),
        }
    }

    #[test]
    fn the_demo_site_renders_every_page_with_its_form() {
        let published =
            Published::build(Site::load(&SiteFiles::demo()).unwrap(), &options()).unwrap();
        let report = published
            .page("/reports/ketamine-rapid-antidepressant")
            .unwrap();
        let html = String::from_utf8(report.identity.body.to_vec()).unwrap();
        assert!(html.contains(r#"action="/waitlists/pilot-course/signups""#));
        assert!(html.contains("Essential Business Foundations for Psychedelic Therapists"));
        assert!(html.contains(r#"id="mechanism-of-action""#));
        assert!(html.contains(r#"id="clinical-findings""#));
        assert!(html.contains(r#"id="future-directions""#));
        // The only script element is data (JSON-LD), which no browser runs.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script type=\"application/ld+json\">")
                .count()
        );
        assert!(published.page("/").is_some());
        assert!(
            published
                .page("/courses/essential-business-foundations")
                .is_some()
        );
        assert!(published.page("/waitlists/pilot-course").is_some());
        assert!(published.asset(&published.css_url).unwrap().immutable);
    }

    #[test]
    fn text_from_settings_is_escaped() {
        let mut site = Site::load(&SiteFiles::demo()).unwrap();
        site.settings.title = "<script>x</script>".into();
        let published = Published::build(site, &options()).unwrap();
        let html = String::from_utf8(published.page("/").unwrap().identity.body.to_vec()).unwrap();
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;x"));
    }
}
