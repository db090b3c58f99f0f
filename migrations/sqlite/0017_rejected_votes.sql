-- Rejected votes of a polling station (test votes under Rule 49MA, a mock
-- poll not cleared: Form 17C Part I), as the table entry carries them;
-- NULL where not recorded. Form 20 prints them.
ALTER TABLE table_entries ADD COLUMN rejected INTEGER CHECK (rejected IS NULL OR rejected >= 0);
