-- SQLite migration 0015 (postal validation; VVPAT stations and slips;
-- re-verification of rejected postal ballots).
ALTER TABLE postal_tallies ADD COLUMN validated_by TEXT;
ALTER TABLE postal_tallies ADD COLUMN validated_at TEXT;

CREATE TABLE vvpat_stations (
    ac_no      BIGINT NOT NULL REFERENCES acs (ac_no),
    ps_no      BIGINT NOT NULL CHECK (ps_no > 0),
    drawn_by   TEXT NOT NULL,
    drawn_at   TEXT NOT NULL,
    slips      TEXT,
    counted_by TEXT,
    counted_at TEXT,
    PRIMARY KEY (ac_no, ps_no)
);

-- Re-verification of rejected postal ballots when the margin is smaller
-- than the rejected postal ballots: the RO confirms each rejection or
-- reverses it (the ballot is then counted), with a reason.
CREATE TABLE reverifications (
    ac_no      BIGINT NOT NULL REFERENCES acs (ac_no),
    ballot_id  TEXT NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('confirmed', 'reversed')),
    reason     TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (ac_no, ballot_id)
);
