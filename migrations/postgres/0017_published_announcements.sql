-- As migrations/sqlite/0017: announcements the owner publishes on the site (issue 12).
-- `publish` is the owner's wish; `published_at` is when it went public (its run's start,
-- or a publish after the fact); unpublished, it answers 410 and leaves the feed.
ALTER TABLE announcements ADD COLUMN publish BIGINT NOT NULL DEFAULT 0
    CHECK (publish IN (0, 1));
ALTER TABLE announcements ADD COLUMN published_at BIGINT;
ALTER TABLE announcements ADD COLUMN unpublished_at BIGINT;

CREATE INDEX announcements_published ON announcements (published_at DESC, id DESC)
    WHERE published_at IS NOT NULL AND unpublished_at IS NULL;
