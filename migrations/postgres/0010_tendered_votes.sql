-- Tendered votes of a polling station (Rule 49P, Form 17C Part I), as the
-- table entry carries them; NULL where not recorded. Form 20 prints them.
ALTER TABLE table_entries ADD COLUMN tendered BIGINT CHECK (tendered IS NULL OR tendered >= 0);
