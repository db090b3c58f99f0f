-- ETPBS covers as they are: the outer cover (Form 13C) is a document of
-- its own, each ballot carries the serial number given at the count (the
-- order its 13C was scanned in), and a postal ballot serial number is an
-- identifier (letters, digits, '/' and '-'), not a number.
ALTER TABLE ballots ADD COLUMN has_13c BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE ballots ADD COLUMN count_serial BIGINT;
ALTER TABLE etpbs_ballots ALTER COLUMN postal_ballot_serial_no TYPE TEXT USING postal_ballot_serial_no::text;
