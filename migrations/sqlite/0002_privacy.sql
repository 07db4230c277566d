-- The promise, kept in the schema: when a person unsubscribed, when each mail was handed
-- to SMTP (the cap counts those), an append-only audit log, and counters for /privacy.

ALTER TABLE subscribers ADD COLUMN unsubscribed_at INTEGER;

-- When the worker handed the mail to SMTP; the per-person cap counts these.
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;

-- Every export, import, admin view of a person, erasure and setting change: who, when,
-- what, how many rows. Never updated, never deleted.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL DEFAULT '',
    rows    INTEGER NOT NULL DEFAULT 0,
    detail  TEXT    NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Running totals for the privacy page (mails sent by kind, exports, erasures), kept in
-- the same transactions as what they count, so the page never scans the outbox.
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- When an erased address was last handed mail (within the cap's 30 days), as a JSON array
-- of millisecond timestamps: the cap counts per address, erasure included.
ALTER TABLE suppressions ADD COLUMN recent_mails TEXT NOT NULL DEFAULT '[]';
