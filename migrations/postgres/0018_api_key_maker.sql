-- As migrations/sqlite/0018: who made each API key (NULL: the command line); a key made
-- in the admin works only while its maker is an owner.
ALTER TABLE api_keys ADD COLUMN created_by BIGINT;

UPDATE api_keys SET created_by = (
    SELECT CASE WHEN a.actor LIKE 'admin:%' THEN substr(a.actor, 7)::BIGINT END
    FROM audit_log a
    WHERE a.action = 'api-key' AND a.subject = 'api-key:' || api_keys.name
      AND a.detail LIKE 'API key created%'
    ORDER BY a.id DESC LIMIT 1
);

CREATE TEMP TABLE api_keys_orphaned ON COMMIT DROP AS
    SELECT k.id, k.name, k.created_by FROM api_keys k
    WHERE k.created_by IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM admins ad
        WHERE ad.id = k.created_by AND ad.role = 'owner' AND ad.created_at <= k.created_at
    );
INSERT INTO audit_log (at, actor, action, subject, rows, detail)
    SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT, 'system', 'api-key',
           'api-key:' || name, 0,
           'API key revoked: the account that made it (admin:' || created_by || ') is no longer an owner'
    FROM api_keys_orphaned ORDER BY id;
DELETE FROM api_keys WHERE id IN (SELECT id FROM api_keys_orphaned);

ALTER TABLE api_keys ADD CONSTRAINT api_keys_created_by_fkey
    FOREIGN KEY (created_by) REFERENCES admins(id) ON DELETE CASCADE;
