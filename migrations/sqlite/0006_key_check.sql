-- A check value of the secret key the data was written with (HMAC of a fixed label under
-- the key, never the key), so that a start with another key is refused instead of
-- making every sealed address and keyed hash unreadable. One row at most.
CREATE TABLE key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);
