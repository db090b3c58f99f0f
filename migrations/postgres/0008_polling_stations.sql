-- SQLite migration 0014 (polling stations with their electors).
CREATE TABLE polling_stations (
    ac_no    BIGINT NOT NULL REFERENCES acs (ac_no),
    ps_no    BIGINT NOT NULL CHECK (ps_no > 0),
    name     TEXT NOT NULL,
    electors BIGINT NOT NULL CHECK (electors > 0),
    PRIMARY KEY (ac_no, ps_no)
);
