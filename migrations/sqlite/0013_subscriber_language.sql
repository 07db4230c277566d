-- The language a person signed up in (issue 12): the form's page's language, or the
-- site's. Every mail to them is written in it. NULL (people from before): the site's.
ALTER TABLE subscribers ADD COLUMN language TEXT;
