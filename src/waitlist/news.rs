//! Announcements the owner published, read by anyone: `/news/{id}`, and the newest of
//! them merged into `/feed.xml` and `/sitemap.xml`. Read from the database on each
//! request (any node answers alike); only the owner's text is shown, `{{ name }}` as its
//! fallback, never a person's data.

use super::Waitlists;
use crate::publish::NewsPage;
use crate::publish::announcement::Announcement;
use crate::publish::discovery::NewsEntry;
use crate::store::{
    MAX_PUBLISHED_LISTED, NewsLookup, PublishedAnnouncement, StoreError, now_millis,
};

/// What `/news/{id}` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewsAnswer {
    /// The page, as HTML.
    Page(String),
    /// It was on the site and the owner took it down: 410.
    Withdrawn,
    /// Never published, not yet, no such id, or not an id at all: 404.
    Missing,
}

/// `/news/{id}`'s id: digits only (no sign, no spaces), within an `i64`.
fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn path_of(id: i64) -> String {
    format!("/news/{id}")
}

fn announcement_of(stored: &PublishedAnnouncement) -> Announcement {
    Announcement::from_stored(&stored.key, &stored.subject, &stored.markdown)
}

fn entry_of(stored: &PublishedAnnouncement) -> NewsEntry {
    NewsEntry {
        path: path_of(stored.id),
        title: stored.subject.clone(),
        published: stored.published_at,
        summary: announcement_of(stored).summary(),
    }
}

impl Waitlists {
    /// The page of a published announcement.
    pub async fn news_page(&self, id: &str) -> Result<NewsAnswer, StoreError> {
        let Some(id) = parse_id(id) else {
            return Ok(NewsAnswer::Missing);
        };
        let stored = match self.store.published_announcement(id, now_millis()).await? {
            NewsLookup::Published(stored) => stored,
            NewsLookup::Withdrawn => return Ok(NewsAnswer::Withdrawn),
            NewsLookup::Missing => return Ok(NewsAnswer::Missing),
        };
        let announcement = announcement_of(&stored);
        // Checked when it was sent; a text the renderer refuses now (a rule added since)
        // is not shown rather than shown unchecked.
        let Ok(parts) = announcement.parts_for(None) else {
            tracing::warn!(
                announcement = id,
                "a published announcement no longer renders"
            );
            return Ok(NewsAnswer::Missing);
        };
        let path = path_of(id);
        let summary = announcement.summary();
        let page = self
            .site
            .load()
            .render_news(&NewsPage {
                path: &path,
                title: &stored.subject,
                html: &parts.html,
                summary: &summary,
                published_at: stored.published_at,
            })
            .map_err(StoreError::Internal)?;
        Ok(NewsAnswer::Page(page))
    }

    /// `/feed.xml`: the site's reports and the newest published announcements.
    pub async fn feed_xml(&self) -> Result<String, StoreError> {
        let news = self.published_news().await?;
        Ok(self.site.load().feed_with(&news))
    }

    /// `/sitemap.xml`: the site's pages and the newest published announcements.
    pub async fn sitemap_xml(&self) -> Result<String, StoreError> {
        let news = self.published_news().await?;
        Ok(self.site.load().sitemap_with(&news))
    }

    async fn published_news(&self) -> Result<Vec<NewsEntry>, StoreError> {
        Ok(self
            .store
            .published_announcements(now_millis(), MAX_PUBLISHED_LISTED)
            .await?
            .iter()
            .map(entry_of)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_digits_within_an_i64() {
        assert_eq!(parse_id("42"), Some(42));
        for bad in ["", "+42", "-1", " 42", "4x", "99999999999999999999", "0x10"] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }
}
