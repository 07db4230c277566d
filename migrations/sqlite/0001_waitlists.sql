-- People on waitlists. Personal data is sealed (XChaCha20-Poly1305) with a key that is
-- not in this database; email_index is a keyed HMAC used for look-ups.
CREATE TABLE subscribers (
    id                   INTEGER PRIMARY KEY,
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
    -- Confirmation order within the list; line_key orders the line: line_seq * 1000, less
    -- 1000 and 1 for each place a referral moves the person up. NULL until confirmed.
    line_seq             INTEGER,
    line_key             INTEGER,
    -- Who shared the link that brought this person (their share code is their id,
    -- masked with the secret key, so it needs no column).
    referred_by          INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,
    -- Where the latest unconfirmed signup came from; copied into the consent record.
    pending_form         TEXT,
    pending_text_hash    TEXT,
    pending_client_ip    TEXT,
    pending_submitted_at INTEGER,
    -- The confirmation link of the latest confirmation mail: a random seed from which
    -- the secret key derives the link (see tokens below), and when it stops working.
    confirm_seed         BLOB,
    confirm_expires_at   INTEGER,
    -- When this address last got a confirmation mail for this list: with the other
    -- lists' rows and the suppression list, what the one-a-day limit counts.
    last_confirmation_at INTEGER,
    UNIQUE (list, email_index)
);
-- Partial: a pending signup (no place yet) does not touch them.
CREATE INDEX subscribers_line ON subscribers (list, status, line_key, line_seq)
    WHERE line_seq IS NOT NULL;
CREATE INDEX subscribers_seq ON subscribers (list, line_seq) WHERE line_seq IS NOT NULL;
-- No index on signed_up_at: rows are inserted in signup order, so id order is that order.

-- Link tokens (other than confirmation links, which live on the subscriber row). A link carries the row's id (masked) and an HMAC of its purpose, id and
-- seed under a key outside the database: the database alone cannot make a working link,
-- and look-ups go by primary key (no index on random values to slow down inserts).
CREATE TABLE tokens (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    purpose       TEXT    NOT NULL,
    seed          BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE INDEX tokens_subscriber ON tokens (subscriber_id);

-- The exact texts people consented to, stored once per hash.
CREATE TABLE consent_texts (
    hash       TEXT    PRIMARY KEY,
    text       TEXT    NOT NULL,
    first_seen INTEGER NOT NULL
);

-- Erased addresses: only a keyed hash (the blind index) remains, so an erased address
-- is not silently re-added and its confirmation limit still holds.
CREATE TABLE suppressions (
    email_index          BLOB    PRIMARY KEY,
    erased_at            INTEGER NOT NULL,
    last_confirmation_at INTEGER
) WITHOUT ROWID;

-- Mail to send. Rendered at send time from the subscriber row, so no address or text is
-- stored here.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    -- The token the mail's links carry, if any.
    token_id      INTEGER REFERENCES tokens(id) ON DELETE SET NULL,
    state         TEXT    NOT NULL CHECK (state IN ('queued','sending','sent','failed','skipped')),
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    lease_until   INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    sent_at       INTEGER,
    last_error    TEXT
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);

-- Every failed delivery attempt, for the owner and for debugging (a success is sent_at
-- on the mail itself).
CREATE TABLE outbox_attempts (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    attempted_at INTEGER NOT NULL,
    error        TEXT
);
CREATE INDEX outbox_attempts_mail ON outbox_attempts (outbox_id);

-- One row per confirmation: the proof of consent. Append-only; only the retention job
-- deletes. subscriber_id is a plain number (no foreign key) so that erasing the person
-- never rewrites a record.
CREATE TABLE consent_records (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL,
    list          TEXT    NOT NULL,
    form          TEXT    NOT NULL,
    text_hash     TEXT    NOT NULL,
    client_ip     TEXT,
    submitted_at  INTEGER NOT NULL,
    confirmed_at  INTEGER NOT NULL
);
CREATE INDEX consent_records_subscriber ON consent_records (subscriber_id);
CREATE TRIGGER consent_records_are_append_only BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent records are append-only');
END;
