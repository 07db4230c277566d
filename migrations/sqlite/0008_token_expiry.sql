-- The retention job deletes expired links; without this index it would read every link
-- in the writer's transaction once an hour.
CREATE INDEX tokens_expiry ON tokens (expires_at);
