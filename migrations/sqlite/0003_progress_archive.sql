-- Completion per AC (kept up to date by every run of the checks, so that a
-- dashboard reading it costs one small query), and the archive of signed
-- certificates with its append-only, hash-chained log.

CREATE TABLE progress (
    ac_no         INTEGER PRIMARY KEY REFERENCES acs (ac_no),
    expected      INTEGER NOT NULL,
    uploaded      INTEGER NOT NULL,
    verified      INTEGER NOT NULL,
    open_findings INTEGER NOT NULL,
    missing       TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Every uploaded page whose QR names a certificate Scrutiny printed. Never
-- updated or deleted: a re-signed certificate is a new record that
-- supersedes the one before.
CREATE TABLE archive_records (
    id             INTEGER PRIMARY KEY,
    ac_no          INTEGER NOT NULL REFERENCES acs (ac_no),
    certificate_id TEXT NOT NULL,
    document_id    INTEGER NOT NULL REFERENCES documents (id),
    page_no        INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    ac_name        TEXT NOT NULL,
    winner         TEXT NOT NULL,
    party          TEXT NOT NULL,
    election       TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    verified       INTEGER NOT NULL,
    failed         TEXT NOT NULL,
    supersedes     INTEGER REFERENCES archive_records (id),
    search         TEXT NOT NULL,
    archived_at    TEXT NOT NULL,
    UNIQUE (document_id, page_no)
);
CREATE INDEX archive_records_ac ON archive_records (ac_no, id);

-- Each entry carries the SHA-256 of the one before: rewriting or removing
-- a row breaks the chain, which `scrutiny archive verify` reports.
CREATE TABLE archive_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
