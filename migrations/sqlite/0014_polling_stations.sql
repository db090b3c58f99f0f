-- The polling stations of an AC, when its definition gives them
-- (docs/api.md, "Election definition"): an entry then names one of them and
-- holds no more votes than it has electors.
CREATE TABLE polling_stations (
    ac_no    INTEGER NOT NULL REFERENCES acs (ac_no),
    ps_no    INTEGER NOT NULL CHECK (ps_no > 0),
    name     TEXT NOT NULL,
    electors INTEGER NOT NULL CHECK (electors > 0),
    PRIMARY KEY (ac_no, ps_no)
);
