-- The language a user last chose for the pages (`?lang=hi|en`), so that it
-- follows them to any browser they sign in from.
ALTER TABLE users ADD COLUMN lang TEXT;
