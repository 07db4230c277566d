-- A person's id is in every link of every mail they got (unsubscribe, manage, accept...).
-- Without AUTOINCREMENT, SQLite hands the id of the newest row, once deleted (an erasure,
-- or an unconfirmed signup that expired), to the next signup, and an old link would act on
-- someone else. AUTOINCREMENT never hands out an id twice. The table is rebuilt (SQLite
-- cannot add AUTOINCREMENT in place); the migration runs with foreign keys off, as SQLite's
-- documented procedure for changing a table's definition requires.
CREATE TABLE subscribers_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    list                 TEXT    NOT NULL,
    email_index          BLOB    NOT NULL,
    email_sealed         BLOB    NOT NULL,
    name_sealed          BLOB,
    fields_sealed        BLOB,
    status               TEXT    NOT NULL CHECK (status IN
                           ('pending','confirmed','invited','accepted','declined','expired','unsubscribed')),
    signed_up_at         INTEGER NOT NULL,
    last_signup_at       INTEGER NOT NULL,
    confirmed_at         INTEGER,
    line_seq             INTEGER,
    line_key             INTEGER,
    referred_by          INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
    pending_form         TEXT,
    pending_text_hash    TEXT,
    pending_client_ip    TEXT,
    pending_submitted_at INTEGER,
    confirm_seed         BLOB,
    confirm_expires_at   INTEGER,
    last_confirmation_at INTEGER,
    unsubscribed_at      INTEGER,
    referral_credits     INTEGER NOT NULL DEFAULT 0,
    referral_counted     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (list, email_index)
);
INSERT INTO subscribers_new (id, list, email_index, email_sealed, name_sealed, fields_sealed,
        status, signed_up_at, last_signup_at, confirmed_at, line_seq, line_key, referred_by,
        pending_form, pending_text_hash, pending_client_ip, pending_submitted_at, confirm_seed,
        confirm_expires_at, last_confirmation_at, unsubscribed_at, referral_credits,
        referral_counted)
    SELECT id, list, email_index, email_sealed, name_sealed, fields_sealed,
        status, signed_up_at, last_signup_at, confirmed_at, line_seq, line_key, referred_by,
        pending_form, pending_text_hash, pending_client_ip, pending_submitted_at, confirm_seed,
        confirm_expires_at, last_confirmation_at, unsubscribed_at, referral_credits,
        referral_counted
    FROM subscribers;
DROP TABLE subscribers;
ALTER TABLE subscribers_new RENAME TO subscribers;

-- Ids already handed out to people who are gone still appear in consent records and the
-- audit log: the sequence starts past every one of them.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'subscribers', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'subscribers');
UPDATE sqlite_sequence
    SET seq = MAX(seq,
                  COALESCE((SELECT MAX(id) FROM subscribers), 0),
                  COALESCE((SELECT MAX(subscriber_id) FROM consent_records), 0),
                  COALESCE((SELECT MAX(subscriber_id) FROM outbox), 0),
                  COALESCE((SELECT MAX(CAST(substr(subject, 12) AS INTEGER))
                            FROM audit_log WHERE subject LIKE 'subscriber:%'), 0))
    WHERE name = 'subscribers';

CREATE INDEX subscribers_line ON subscribers (list, status, line_key, line_seq)
    WHERE line_seq IS NOT NULL;
CREATE INDEX subscribers_seq ON subscribers (list, line_seq) WHERE line_seq IS NOT NULL;
CREATE INDEX subscribers_status ON subscribers (list, status);

CREATE TRIGGER subscribers_counted_on_insert AFTER INSERT ON subscribers
BEGIN
    INSERT INTO status_counts (list, status, people) VALUES (NEW.list, NEW.status, 1)
        ON CONFLICT (list, status) DO UPDATE SET people = people + 1;
END;

CREATE TRIGGER subscribers_counted_on_delete AFTER DELETE ON subscribers
BEGIN
    UPDATE status_counts SET people = people - 1
        WHERE list = OLD.list AND status = OLD.status;
END;

CREATE TRIGGER subscribers_counted_on_update AFTER UPDATE OF list, status ON subscribers
    WHEN OLD.list IS NOT NEW.list OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE status_counts SET people = people - 1
        WHERE list = OLD.list AND status = OLD.status;
    INSERT INTO status_counts (list, status, people) VALUES (NEW.list, NEW.status, 1)
        ON CONFLICT (list, status) DO UPDATE SET people = people + 1;
END;
