-- As migrations/sqlite/0012: an address refused for good at RCPT TO, and the server's
-- words (without any address), until a later mail reaches it.
ALTER TABLE subscribers ADD COLUMN undeliverable_at BIGINT;
ALTER TABLE subscribers ADD COLUMN undeliverable_reason TEXT;
