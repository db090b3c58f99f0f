-- Counting data: the election, its constituencies and candidates, the ETPBS
-- register, entered counts with their round workflow, accounts and the audit
-- log. Written so that PostgreSQL accepts it too (no AUTOINCREMENT, no
-- SQLite-only types); timestamps are RFC 3339 UTC text, vote lists JSON text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE elections (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    state TEXT NOT NULL
);

CREATE TABLE acs (
    ac_no        INTEGER PRIMARY KEY CHECK (ac_no > 0),
    election_id  INTEGER NOT NULL REFERENCES elections (id),
    name         TEXT NOT NULL,
    district     TEXT NOT NULL,
    ro_name      TEXT NOT NULL,
    tables_count INTEGER NOT NULL CHECK (tables_count BETWEEN 1 AND 36),
    rounds_count INTEGER NOT NULL CHECK (rounds_count BETWEEN 1 AND 100),
    declared_at  TEXT,
    declared_by  TEXT
);

-- Ballot order; NOTA is the last serial.
CREATE TABLE candidates (
    ac_no  INTEGER NOT NULL REFERENCES acs (ac_no),
    serial INTEGER NOT NULL CHECK (serial > 0),
    name   TEXT NOT NULL,
    party  TEXT NOT NULL,
    PRIMARY KEY (ac_no, serial)
);

-- The ETPBS ballots received by the AC (replaced whole on import).
CREATE TABLE etpbs_ballots (
    ac_no                   INTEGER NOT NULL REFERENCES acs (ac_no),
    ballot_id               TEXT NOT NULL,
    postal_ballot_serial_no INTEGER NOT NULL,
    part_no                 INTEGER NOT NULL,
    elector_serial_no       INTEGER NOT NULL,
    PRIMARY KEY (ac_no, ballot_id)
);
CREATE UNIQUE INDEX etpbs_ballots_serial ON etpbs_ballots (ac_no, postal_ballot_serial_no);

-- One row per round of every AC, created with the AC.
CREATE TABLE rounds (
    ac_no        INTEGER NOT NULL REFERENCES acs (ac_no),
    round        INTEGER NOT NULL CHECK (round > 0),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'published')),
    revision     INTEGER NOT NULL DEFAULT 1 CHECK (revision > 0),
    approved_at  TEXT,
    approved_by  TEXT,
    published_at TEXT,
    published_by TEXT,
    PRIMARY KEY (ac_no, round)
);

-- A counted table of a round; an uncounted table has no row, never zeros.
CREATE TABLE table_entries (
    ac_no      INTEGER NOT NULL,
    round      INTEGER NOT NULL,
    table_no   INTEGER NOT NULL CHECK (table_no > 0),
    ps_no      INTEGER NOT NULL CHECK (ps_no > 0),
    votes      TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (ac_no, round, table_no),
    FOREIGN KEY (ac_no, round) REFERENCES rounds (ac_no, round)
);
-- A polling station's EVM is counted once.
CREATE UNIQUE INDEX table_entries_ps ON table_entries (ac_no, ps_no);

CREATE TABLE postal_tallies (
    ac_no           INTEGER PRIMARY KEY REFERENCES acs (ac_no),
    votes           TEXT NOT NULL,
    rejected_papers INTEGER NOT NULL CHECK (rejected_papers >= 0),
    rejected_covers INTEGER NOT NULL CHECK (rejected_covers >= 0),
    entered_by      TEXT NOT NULL,
    entered_at      TEXT NOT NULL
);

-- Every Form 22 Scrutiny printed; the same figures print the same id again.
CREATE TABLE certificates (
    id            TEXT PRIMARY KEY,
    ac_no         INTEGER NOT NULL REFERENCES acs (ac_no),
    seq           INTEGER NOT NULL,
    winner_serial INTEGER NOT NULL,
    winner        TEXT NOT NULL,
    party         TEXT NOT NULL,
    votes         BIGINT NOT NULL,
    date          TEXT NOT NULL,
    ro_name       TEXT NOT NULL,
    digest        TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    UNIQUE (ac_no, seq)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'ro', 'operator', 'observer')),
    created_at    TEXT NOT NULL
);

CREATE TABLE user_acs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ac_no   INTEGER NOT NULL REFERENCES acs (ac_no),
    PRIMARY KEY (user_id, ac_no)
);

-- Bearer tokens are stored as their SHA-256 only.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

-- Every change: who, when, what, before and after (JSON text).
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL,
    ac_no    INTEGER,
    subject  TEXT NOT NULL,
    before   TEXT,
    after    TEXT
);
CREATE INDEX audit_log_ac ON audit_log (ac_no, id);
