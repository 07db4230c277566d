//! Publishing: Markdown and front matter in, cached HTML out.
//!
//! Every public page is rendered once (at start, and again when the site changes) and
//! kept in memory precompressed. Requests never render a report.

pub mod announcement;
pub mod compressed;
mod demo;
pub mod markdown;
pub mod reload;
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

/// The site, rendered.
#[derive(Debug)]
pub struct Published {
    pub site: Site,
    pub templates: Templates,
    pub css_url: String,
    pages: HashMap<String, Compressed>,
    assets: HashMap<String, Asset>,
}

const DEFAULT_CSS: &str = include_str!("../../static/site.css");

impl Published {
    pub fn build(site: Site) -> anyhow::Result<Self> {
        let templates = Templates::new(&site.templates)?;
        let css = site
            .static_files
            .get("site.css")
            .cloned()
            .unwrap_or_else(|| DEFAULT_CSS.as_bytes().to_vec());
        let css_hash = hex::encode(&Sha256::digest(&css)[..8]);
        let css_url = format!("/static/site.{css_hash}.css");

        let mut assets = HashMap::new();
        assets.insert(
            css_url.clone(),
            Asset {
                body: Compressed::new("text/css; charset=utf-8", css),
                immutable: true,
            },
        );
        for (name, bytes) in &site.static_files {
            if name == "site.css" {
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

        let mut published = Self {
            site,
            templates,
            css_url,
            pages: HashMap::new(),
            assets,
        };
        published.render_pages()?;
        Ok(published)
    }

    fn render_pages(&mut self) -> anyhow::Result<()> {
        let mut pages = HashMap::new();
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
            json!({ "reports": reports, "courses": courses, "description": self.site.settings.tagline }),
        )?;
        pages.insert("/".to_owned(), html(home));

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
                    "description": page.front.description,
                    "waitlist": waitlist,
                    "form_id": format!("{}:{}", match page.kind { PageKind::Report => "report", PageKind::Course => "course" }, page.slug),
                    "form": { "values": {}, "errors": {} },
                }),
            )?;
            pages.insert(page.url.clone(), html(body));
        }

        for waitlist in self.site.waitlists.values() {
            let body = self.render_signup_form(waitlist, &Map::new(), &Map::new(), None)?;
            pages.insert(format!("/waitlists/{}", waitlist.settings.name), html(body));
            let inbox = self.render(
                "check_inbox.html",
                json!({ "waitlist": waitlist, "confirm_hours": CONFIRM_HOURS }),
            )?;
            pages.insert(
                format!("/waitlists/{}/check-your-inbox", waitlist.settings.name),
                html(inbox),
            );
        }
        self.pages = pages;
        Ok(())
    }

    /// The signup page for `waitlist`, with what the visitor typed and what was wrong.
    pub fn render_signup_form(
        &self,
        waitlist: &Waitlist,
        values: &Map<String, Json>,
        errors: &Map<String, Json>,
        form_id: Option<&str>,
    ) -> anyhow::Result<String> {
        let default_form = format!("waitlist:{}", waitlist.settings.name);
        self.render(
            "signup.html",
            json!({
                "waitlist": waitlist,
                "form_id": form_id.unwrap_or(&default_form),
                "form": { "values": values, "errors": errors },
                "referral": values.get("ref"),
            }),
        )
    }

    /// Renders a template with the context every page shares (`site`, `css_url`).
    pub fn render(&self, template: &str, context: Json) -> anyhow::Result<String> {
        let mut map = match context {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        map.insert("site".into(), json!(self.site.settings));
        map.insert("css_url".into(), json!(self.css_url));
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

    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }

    /// Every prerendered path, for tests and for warming caches.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.pages.keys().map(String::as_str)
    }
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

    #[test]
    fn the_demo_site_renders_every_page_with_its_form() {
        let published = Published::build(Site::load(&SiteFiles::demo()).unwrap()).unwrap();
        let report = published
            .page("/reports/ketamine-rapid-antidepressant")
            .unwrap();
        let html = String::from_utf8(report.identity.body.to_vec()).unwrap();
        assert!(html.contains(r#"action="/waitlists/pilot-course/signups""#));
        assert!(html.contains("Essential Business Foundations for Psychedelic Therapists"));
        assert!(html.contains(r#"id="mechanism-of-action""#));
        assert!(html.contains(r#"id="clinical-findings""#));
        assert!(html.contains(r#"id="future-directions""#));
        assert!(!html.contains("<script"));
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
        let published = Published::build(site).unwrap();
        let html = String::from_utf8(published.page("/").unwrap().identity.body.to_vec()).unwrap();
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;x"));
    }
}
