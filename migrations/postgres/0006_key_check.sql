-- As migrations/sqlite/0006: the check value of the secret key. One row at most.
CREATE TABLE key_check (
    id          BIGINT  PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT    NOT NULL,
    recorded_at BIGINT  NOT NULL
);
