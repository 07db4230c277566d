-- The owner's announcements (issue 11). The text is the owner's, not a person's: it is
-- kept so that the outbox renders each mail at send time, like every other mail.
CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    list        TEXT    NOT NULL,
    -- `id:<front matter id>` or `sha256:<hash of the text>`: the same file sent again is
    -- the same announcement.
    key         TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    markdown    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_by     TEXT    NOT NULL,
    UNIQUE (list, key)
);

-- One row per (announcement, person) ever queued: the store's guarantee that nobody gets
-- the same announcement twice. It outlives the outbox row (retention deletes that; the
-- link is then NULL) and goes with the person when they are erased.
CREATE TABLE announcement_mails (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    outbox_id       INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    PRIMARY KEY (announcement_id, subscriber_id)
);
CREATE INDEX announcement_mails_outbox ON announcement_mails (outbox_id);
CREATE INDEX announcement_mails_subscriber ON announcement_mails (subscriber_id);
