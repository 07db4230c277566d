-- Who made each API key: the admin account, or NULL for a key made at the command line
-- (`quietlist api-key create`, by whoever holds the data folder). A key made in the admin
-- works only while its maker is an owner; removing the account removes its keys.
ALTER TABLE api_keys ADD COLUMN created_by INTEGER REFERENCES admins(id) ON DELETE CASCADE;

-- Keys made before this migration: the audit log says who made each (the newest
-- "API key created" entry for its name). One made by an account is that account's.
UPDATE api_keys SET created_by = (
    SELECT CASE WHEN a.actor LIKE 'admin:%' THEN CAST(substr(a.actor, 7) AS INTEGER) END
    FROM audit_log a
    WHERE a.action = 'api-key' AND a.subject = 'api-key:' || api_keys.name
      AND a.detail LIKE 'API key created%'
    ORDER BY a.id DESC LIMIT 1
);

-- A key whose maker is gone (an account made after the key holds the id now) or is no
-- longer an owner stops working now, as it would have had it been made after this
-- migration; the audit log says so.
CREATE TEMP TABLE api_keys_orphaned AS
    SELECT k.id, k.name, k.created_by FROM api_keys k
    WHERE k.created_by IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM admins ad
        WHERE ad.id = k.created_by AND ad.role = 'owner' AND ad.created_at <= k.created_at
    );
INSERT INTO audit_log (at, actor, action, subject, rows, detail)
    SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'system', 'api-key',
           'api-key:' || name, 0,
           'API key revoked: the account that made it (admin:' || created_by || ') is no longer an owner'
    FROM api_keys_orphaned ORDER BY id;
DELETE FROM api_keys WHERE id IN (SELECT id FROM api_keys_orphaned);
DROP TABLE api_keys_orphaned;
