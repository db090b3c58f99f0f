-- Each AC's standing over its published rounds (who leads, the margin,
-- how many rounds are published, whether the result is final), kept by
-- every run of the AC's checks (which follows every change to the count),
-- so that the national results page is one query over all the ACs instead
-- of a result computed for each. Rows written here for ACs that existed
-- before have no `updated_at` yet: the server computes them when it opens
-- the database.
CREATE TABLE standings (
    ac_no            INTEGER PRIMARY KEY REFERENCES acs (ac_no),
    leader           TEXT,
    party            TEXT,
    margin           INTEGER NOT NULL,
    tie              INTEGER NOT NULL,
    rounds_published INTEGER NOT NULL,
    is_final         INTEGER NOT NULL,
    updated_at       TEXT NOT NULL
);
INSERT INTO standings (ac_no, margin, tie, rounds_published, is_final, updated_at)
SELECT ac_no, 0, 0, 0, 0, '' FROM acs;
