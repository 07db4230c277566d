-- As migrations/sqlite/0013: the language a person signed up in; NULL means the site's.
ALTER TABLE subscribers ADD COLUMN language TEXT;
