-- API keys: the key itself is shown once and never stored. `lookup` is the key's first
-- characters after `ql_` (not secret: it finds the row); `key_hash` is the SHA-256 of
-- the whole key (the key has at least 128 random bits, so a fast hash is right).
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    lookup       TEXT    NOT NULL UNIQUE,
    key_hash     BLOB    NOT NULL,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
