-- Webhooks (issue 13): the owner's endpoints, and a durable outbox of deliveries written in
-- the same transaction as the event. The signing secret is sealed with the master key (it
-- must be read back to sign). A queued payload never holds an address: the worker adds it
-- at send time from the person's row, for a webhook that includes it, so an erased person's
-- address cannot go out from the queue.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL,
    -- Comma-separated event names, e.g. `subscriber.confirmed,subscriber.erased`.
    events        TEXT    NOT NULL,
    include_email INTEGER NOT NULL DEFAULT 0,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id            INTEGER PRIMARY KEY,
    webhook_id    INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event         TEXT    NOT NULL,
    -- Not a foreign key: `subscriber.erased` outlives the person's row.
    subscriber_id INTEGER NOT NULL,
    -- The event's data as JSON, without any address.
    payload       TEXT    NOT NULL,
    -- queued, sending, delivered, failed
    state         TEXT    NOT NULL DEFAULT 'queued',
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    lease_until   INTEGER,
    last_status   INTEGER,
    last_error    TEXT,
    last_attempt_at INTEGER,
    delivered_at  INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, due_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
