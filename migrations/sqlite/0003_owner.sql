-- The owner's side: admin accounts and sessions, login throttling, cohorts and
-- invitations, referrals, and daily figures for the dashboard.

-- Admin addresses are personal data too: sealed, found by keyed hash.
CREATE TABLE admins (
    id            INTEGER PRIMARY KEY,
    email_index   BLOB    NOT NULL UNIQUE,
    email_sealed  BLOB    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Sessions live in the database so that they work on every node. Only the SHA-256 of
-- the session id is stored.
CREATE TABLE admin_sessions (
    id_hash      BLOB    PRIMARY KEY,
    admin_id     INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);

-- Failed logins, by account (keyed hash) and by client network, for the back-off.
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE cohorts (
    id         INTEGER PRIMARY KEY,
    list       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity >= 0),
    starts     TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (list, name)
);

CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    cohort_id     INTEGER NOT NULL REFERENCES cohorts(id),
    token_id      INTEGER REFERENCES tokens(id) ON DELETE SET NULL,
    state         TEXT    NOT NULL CHECK (state IN ('invited','accepted','declined','expired')),
    invited_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    responded_at  INTEGER
);
CREATE INDEX invitations_cohort ON invitations (cohort_id, state);
CREATE INDEX invitations_subscriber ON invitations (subscriber_id);
CREATE INDEX invitations_open ON invitations (state, expires_at) WHERE state = 'invited';

-- Referrals: confirmed referrals credited to the referrer, once per referred person.
ALTER TABLE subscribers ADD COLUMN referral_credits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscribers ADD COLUMN referral_counted INTEGER NOT NULL DEFAULT 0;

-- Daily figures for the dashboard: page views (counted without cookies or addresses),
-- form submissions, confirmations, invitations, acceptances.
CREATE TABLE daily_stats (
    day    TEXT    NOT NULL,
    scope  TEXT    NOT NULL,
    metric TEXT    NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (day, scope, metric)
) WITHOUT ROWID;

-- The owner's people list filters by status and pages by id; counting by status too.
CREATE INDEX subscribers_status ON subscribers (list, status);
