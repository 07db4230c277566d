-- An address its server refused for good at RCPT TO (issue 11): later announcements skip
-- the person, and the owner sees why. The reason is the server's words with every address
-- taken out. A later mail that the server takes clears both.
ALTER TABLE subscribers ADD COLUMN undeliverable_at INTEGER;
ALTER TABLE subscribers ADD COLUMN undeliverable_reason TEXT;
