-- As migrations/sqlite/0011. Announcements become runs that go out over time (issue 11): the dispatcher queues a
-- few hundred people at a time, by subscriber id after `cursor_id`, each mail due at the
-- next slot of the sending rate, so that no transaction holds the writer for the whole
-- list and the owner can schedule, pause, cancel and watch a run.
ALTER TABLE announcements ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('scheduled', 'sending', 'paused', 'cancelled', 'done'));
ALTER TABLE announcements ADD COLUMN send_at BIGINT NOT NULL DEFAULT 0;
-- The audience: statuses (comma-separated), an optional cohort, and an optional custom
-- field that must equal a value. Fields are sealed: the value is compared by the
-- dispatcher with the key, never in SQL.
ALTER TABLE announcements ADD COLUMN statuses TEXT NOT NULL DEFAULT 'confirmed';
ALTER TABLE announcements ADD COLUMN cohort TEXT;
ALTER TABLE announcements ADD COLUMN where_field TEXT;
ALTER TABLE announcements ADD COLUMN where_value TEXT;
-- The last subscriber id examined.
ALTER TABLE announcements ADD COLUMN cursor_id BIGINT NOT NULL DEFAULT 0;
-- People in the chosen statuses (and cohort) when the run started, and how many the
-- cursor has passed.
ALTER TABLE announcements ADD COLUMN total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN examined BIGINT NOT NULL DEFAULT 0;
-- The figures of the run's latest pass, as a dry run reports them.
ALTER TABLE announcements ADD COLUMN audience BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN queued BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN already_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN skipped_cap BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN skipped_refused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN skipped_unsubscribed BIGINT NOT NULL DEFAULT 0;
-- When the next queued mail is due (ms): each mail takes one slot of 1000/rate ms.
ALTER TABLE announcements ADD COLUMN next_slot BIGINT NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN started_at BIGINT;
ALTER TABLE announcements ADD COLUMN finished_at BIGINT;

-- Announcements sent before runs existed were queued whole, at once: they are done.
UPDATE announcements
SET queued = (SELECT COUNT(*) FROM announcement_mails m WHERE m.announcement_id = announcements.id),
    started_at = created_at,
    finished_at = created_at;
UPDATE announcements SET audience = queued, examined = queued, total = queued;

CREATE INDEX announcements_active ON announcements (state, send_at)
    WHERE state IN ('scheduled', 'sending');

-- The dispatcher reads a list's people in the chosen statuses by id, after its cursor.
CREATE INDEX subscribers_status_id ON subscribers (list, status, id);
