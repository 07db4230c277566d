-- Roles of admin accounts (issue 13): owner (everything), editor (announcements and
-- invitations), viewer (figures only). Accounts made before roles existed stay owners.
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'owner'
    CHECK (role IN ('owner', 'editor', 'viewer'));
