-- Counting-hall nodes and their sync with the central service
-- (docs/sync.md). Every engine has every table; each is empty where it
-- plays no part.

-- On the central service: the enrolled hall nodes, which AC each keeps
-- (no row, or no node: the AC is changed on central), and the changes a
-- node pushed that could not be applied (kept as they came, never merged).
CREATE TABLE nodes (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT,
    last_seq     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ac_owners (
    ac_no   INTEGER PRIMARY KEY REFERENCES acs (ac_no),
    node_id INTEGER REFERENCES nodes (id),
    epoch   INTEGER NOT NULL CHECK (epoch > 0)
);

CREATE TABLE sync_conflicts (
    id          INTEGER PRIMARY KEY,
    node_id     INTEGER NOT NULL REFERENCES nodes (id),
    seq         INTEGER NOT NULL,
    ac_no       INTEGER,
    tbl         TEXT NOT NULL,
    op          TEXT NOT NULL,
    row         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (node_id, seq)
);

-- On a hall node: who it is, what it has pushed, its ACs (with the epoch
-- central gave them, and when central said one was handed over), the ids
-- of rows it was given at enrolment (every other row's id travels as the
-- node's id base plus its own), and the outbox the triggers fill in the
-- transaction of each change. The outbox's numbers never repeat
-- (AUTOINCREMENT): central ignores a number it has applied.
CREATE TABLE hall (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT NOT NULL,
    node_id    INTEGER NOT NULL,
    id_base    INTEGER NOT NULL,
    upstream   TEXT NOT NULL,
    pushed_seq INTEGER NOT NULL DEFAULT 0,
    enrolled_at TEXT NOT NULL
);

CREATE TABLE hall_acs (
    ac_no          INTEGER PRIMARY KEY,
    epoch          INTEGER NOT NULL,
    handed_over_at TEXT
);

CREATE TABLE hall_ids (
    tbl       TEXT NOT NULL,
    local_id  INTEGER NOT NULL,
    global_id INTEGER NOT NULL,
    PRIMARY KEY (tbl, local_id)
);

CREATE TABLE outbox (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl   TEXT NOT NULL,
    op    TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    ac_no INTEGER,
    row   TEXT NOT NULL
);

CREATE TABLE outbox_blobs (
    sha256 TEXT PRIMARY KEY,
    pushed INTEGER NOT NULL DEFAULT 0
);
