-- As migrations/sqlite/0008: the retention job finds expired links by this index.
CREATE INDEX tokens_expiry ON tokens (expires_at);
