//! What a page says about itself to search engines and to the apps a link is shared in:
//! its canonical address, OpenGraph and Twitter card tags, and JSON-LD (schema.org).

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::discovery::last_modified;
use super::site::{Page, PageKind, SiteSettings, Waitlist};

/// The head tags of one page (`meta` in templates; see base.html).
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    /// The canonical, absolute address.
    pub url: String,
    pub title: String,
    pub description: String,
    /// OpenGraph type: `article` for reports, `website` for the rest.
    pub og_type: &'static str,
    /// The share image, absolute.
    pub image: String,
    /// ISO 8601, for `article:published_time` and `article:modified_time`.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// JSON-LD, ready to sit inside `<script type="application/ld+json">`.
    pub json_ld: Option<String>,
}

/// What every page's metadata is made from.
pub struct Share<'a> {
    pub site: &'a SiteSettings,
    /// The public origin, without a trailing slash.
    pub base_url: &'a str,
    /// The share image's absolute address.
    pub image_url: &'a str,
}

impl Share<'_> {
    /// The home page: a `WebSite`.
    pub fn home(&self) -> PageMeta {
        let url = format!("{}/", self.base_url);
        let data = json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": self.site.title,
            "url": url,
            "description": self.site.tagline,
            "inLanguage": self.site.language,
            "publisher": self.organization(),
        });
        PageMeta {
            title: self.site.title.clone(),
            description: self.site.tagline.clone(),
            og_type: "website",
            image: self.image_url.to_owned(),
            published: None,
            modified: None,
            json_ld: Some(script_json(&data)),
            url,
        }
    }

    /// A report (`ScholarlyArticle`, with its citations) or a course page (`Course`).
    pub fn page(&self, page: &Page) -> PageMeta {
        let url = format!("{}{}", self.base_url, page.url);
        let front = &page.front;
        let published = front.date.as_ref().map(|d| d.to_string());
        let modified = last_modified(page).map(|d| d.to_string());
        let data = match page.kind {
            PageKind::Report => {
                let mut article = json!({
                    "@context": "https://schema.org",
                    "@type": "ScholarlyArticle",
                    "headline": front.title,
                    "name": front.title,
                    "description": front.description,
                    "url": url,
                    "mainEntityOfPage": url,
                    "image": self.image_url,
                    "inLanguage": self.site.language,
                    "author": self.authors(&front.authors),
                    "publisher": self.organization(),
                    "isAccessibleForFree": true,
                });
                if let Some(published) = &published {
                    article["datePublished"] = json!(published);
                }
                if let Some(modified) = &modified {
                    article["dateModified"] = json!(modified);
                }
                let citations: Vec<Json> = page
                    .references
                    .iter()
                    .map(|reference| match reference.doi_url() {
                        Some(doi) => json!({ "@type": "CreativeWork", "name": reference.text, "sameAs": doi }),
                        None => json!({ "@type": "CreativeWork", "name": reference.text }),
                    })
                    .collect();
                if !citations.is_empty() {
                    article["citation"] = Json::Array(citations);
                }
                article
            }
            PageKind::Course => json!({
                "@context": "https://schema.org",
                "@type": "Course",
                "name": front.title,
                "description": front.description,
                "url": url,
                "image": self.image_url,
                "inLanguage": self.site.language,
                "provider": self.organization(),
            }),
        };
        PageMeta {
            title: front.title.clone(),
            description: front.description.clone(),
            og_type: match page.kind {
                PageKind::Report => "article",
                PageKind::Course => "website",
            },
            image: self.image_url.to_owned(),
            published,
            modified,
            json_ld: Some(script_json(&data)),
            url,
        }
    }

    /// A published announcement (`/news/{id}`): an `Article` by the site.
    pub fn news(&self, path: &str, title: &str, summary: &str, published: &str) -> PageMeta {
        let url = format!("{}{path}", self.base_url);
        let data = json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": title,
            "name": title,
            "description": summary,
            "url": url,
            "mainEntityOfPage": url,
            "image": self.image_url,
            "inLanguage": self.site.language,
            "author": [self.organization()],
            "publisher": self.organization(),
            "datePublished": published,
            "dateModified": published,
            "isAccessibleForFree": true,
        });
        PageMeta {
            title: title.to_owned(),
            description: summary.to_owned(),
            og_type: "article",
            image: self.image_url.to_owned(),
            published: Some(published.to_owned()),
            modified: Some(published.to_owned()),
            json_ld: Some(script_json(&data)),
            url,
        }
    }

    /// A waitlist's own signup page: share tags, no structured data of its own (the
    /// course page describes what people wait for).
    pub fn waitlist(&self, waitlist: &Waitlist) -> PageMeta {
        PageMeta {
            url: format!("{}/waitlists/{}", self.base_url, waitlist.settings.name),
            title: waitlist.settings.title.clone(),
            description: waitlist.settings.call_to_action.clone(),
            og_type: "website",
            image: self.image_url.to_owned(),
            published: None,
            modified: None,
            json_ld: None,
        }
    }

    /// The site as an organization: the publisher of reports and provider of courses.
    fn organization(&self) -> Json {
        json!({
            "@type": "Organization",
            "name": self.site.title,
            "url": format!("{}/", self.base_url),
        })
    }

    /// Authors as schema.org wants them typed: the site's own team writes as the
    /// organization; anyone else is a person. No author: the organization.
    fn authors(&self, names: &[String]) -> Json {
        if names.is_empty() {
            return json!([self.organization()]);
        }
        let title = self.site.title.to_lowercase();
        Json::Array(
            names
                .iter()
                .map(|name| {
                    if !title.is_empty() && name.to_lowercase().contains(&title) {
                        json!({ "@type": "Organization", "name": name, "url": format!("{}/", self.base_url) })
                    } else {
                        json!({ "@type": "Person", "name": name })
                    }
                })
                .collect(),
        )
    }
}

/// JSON for a `<script type="application/ld+json">` element: `<`, `>` and `&` written as
/// `\u003c`... so no text in it (a title with `</script>`) can end the element or open a
/// comment. JSON parsers read the escapes back as the same characters.
pub fn script_json(value: &Json) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element_and_reads_back_the_same() {
        let value = json!({ "headline": "A </script><script>alert(1)</script> & <!-- x" });
        let text = script_json(&value);
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
