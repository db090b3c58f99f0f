-- ETPBS covers as they are: the outer cover (Form 13C) is a document of
-- its own, each ballot carries the serial number given at the count (the
-- order its 13C was scanned in), and a postal ballot serial number is an
-- identifier (letters, digits, '/' and '-'), not a number.
ALTER TABLE ballots ADD COLUMN has_13c INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ballots ADD COLUMN count_serial INTEGER;

CREATE TABLE etpbs_ballots_text (
    ac_no                   INTEGER NOT NULL REFERENCES acs (ac_no),
    ballot_id               TEXT NOT NULL,
    postal_ballot_serial_no TEXT NOT NULL,
    part_no                 INTEGER NOT NULL,
    elector_serial_no       INTEGER NOT NULL,
    PRIMARY KEY (ac_no, ballot_id)
);
INSERT INTO etpbs_ballots_text (ac_no, ballot_id, postal_ballot_serial_no, part_no, elector_serial_no)
    SELECT ac_no, ballot_id, CAST(postal_ballot_serial_no AS TEXT), part_no, elector_serial_no FROM etpbs_ballots;
DROP TABLE etpbs_ballots;
ALTER TABLE etpbs_ballots_text RENAME TO etpbs_ballots;
CREATE UNIQUE INDEX etpbs_ballots_serial ON etpbs_ballots (ac_no, postal_ballot_serial_no);
