-- Uploaded documents, their pages (the jobs of the worker pool), what the
-- checks found, and the outcome of every postal ballot seen in a scan.

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    ac_no       INTEGER NOT NULL REFERENCES acs (ac_no),
    sha256      TEXT NOT NULL UNIQUE,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    filename    TEXT NOT NULL,
    page_count  INTEGER NOT NULL CHECK (page_count > 0),
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'processing', 'done', 'failed')),
    reason      TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX documents_status ON documents (status, id);
CREATE INDEX documents_ac ON documents (ac_no, id);

-- One row a page: a job until it is read (`done`) or cannot be (`failed`).
CREATE TABLE pages (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    page_no     INTEGER NOT NULL CHECK (page_no > 0),
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done', 'failed')),
    form        TEXT,
    qr          TEXT,
    result      TEXT,
    error       TEXT,
    ms          REAL,
    read_at     TEXT,
    PRIMARY KEY (document_id, page_no)
);
CREATE INDEX pages_queued ON pages (status, document_id);

-- What the checks found. `open` until an operator decides (`closed`) or a
-- later check finds it no longer holds (`resolved`). Values are JSON text.
CREATE TABLE findings (
    id            INTEGER PRIMARY KEY,
    ac_no         INTEGER NOT NULL REFERENCES acs (ac_no),
    document_id   INTEGER REFERENCES documents (id),
    page_no       INTEGER,
    kind          TEXT NOT NULL,
    field         TEXT,
    ballot_id     TEXT,
    scan_value    TEXT,
    entered_value TEXT,
    confidence    REAL,
    message       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'resolved')),
    decision      TEXT CHECK (decision IN ('scan_correct', 'entry_correct', 'rescan')),
    note          TEXT,
    decided_by    TEXT,
    decided_at    TEXT,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT
);
CREATE INDEX findings_ac ON findings (ac_no, status);
CREATE INDEX findings_document ON findings (document_id);

-- Every postal ballot seen in an upload, with its outcome (recomputed by
-- the checks; reasons are a JSON list of Rule 54A kinds).
CREATE TABLE ballots (
    ac_no        INTEGER NOT NULL REFERENCES acs (ac_no),
    ballot_id    TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'needs_review')),
    reasons      TEXT NOT NULL,
    has_13a      INTEGER NOT NULL,
    has_13b      INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (ac_no, ballot_id)
);
