-- Announcements the owner publishes on the site (issue 12): `/news/{id}` and the feed.
-- `publish` is the owner's wish (front matter `publish = true`, the form's checkbox, the
-- API's field); `published_at` is when it went public: when its run started (a scheduled
-- run: at its send_at), or when the owner published it after the fact. Unpublished, it
-- answers 410 and leaves the feed; published again, it comes back.
ALTER TABLE announcements ADD COLUMN publish INTEGER NOT NULL DEFAULT 0
    CHECK (publish IN (0, 1));
ALTER TABLE announcements ADD COLUMN published_at INTEGER;
ALTER TABLE announcements ADD COLUMN unpublished_at INTEGER;

-- The feed reads the newest published ones on every request.
CREATE INDEX announcements_published ON announcements (published_at DESC, id DESC)
    WHERE published_at IS NOT NULL AND unpublished_at IS NULL;
