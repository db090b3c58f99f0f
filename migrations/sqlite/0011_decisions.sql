-- Decisions that fit the finding (docs/design.md, "Review"): besides scan
-- correct / entry correct / rescan, an ink box is signed or not signed and
-- the RO accepts or rejects a cover. Each decision may carry the value the
-- operator read on the scan; an operator's view on a Rule 54A ground is
-- kept as a recommendation to the RO while the finding stays open.
-- SQLite cannot change a CHECK, so the table is made again.
CREATE TABLE findings_new (
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
    decision      TEXT CHECK (decision IN ('scan_correct', 'entry_correct', 'rescan', 'signed', 'not_signed', 'accept', 'reject')),
    note          TEXT,
    decided_by    TEXT,
    decided_at    TEXT,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    read_value    TEXT,
    recommended       TEXT CHECK (recommended IN ('signed', 'not_signed', 'accept', 'reject')),
    recommended_by    TEXT,
    recommended_at    TEXT,
    recommended_note  TEXT
);
INSERT INTO findings_new (id, ac_no, document_id, page_no, kind, field, ballot_id, scan_value,
    entered_value, confidence, message, status, decision, note, decided_by, decided_at,
    created_at, resolved_at)
SELECT id, ac_no, document_id, page_no, kind, field, ballot_id, scan_value,
    entered_value, confidence, message, status, decision, note, decided_by, decided_at,
    created_at, resolved_at
FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_ac ON findings (ac_no, status);
CREATE INDEX findings_document ON findings (document_id);

-- Decisions taken before keep their meaning in the new words.
UPDATE findings SET decision = CASE
    WHEN kind IN ('unsigned', 'unattested') AND decision = 'scan_correct' THEN 'not_signed'
    WHEN kind IN ('unsigned', 'unattested') AND decision = 'entry_correct' THEN 'signed'
    WHEN kind = 'unreadable' AND field IN ('elector_signed', 'attested', 'ro_signed')
         AND decision IN ('scan_correct', 'entry_correct')
         THEN CASE WHEN scan_value = 'false' AND decision = 'scan_correct' THEN 'not_signed' ELSE 'signed' END
    WHEN kind IN ('serial_mismatch', 'not_in_register') AND decision = 'scan_correct' THEN 'reject'
    WHEN kind IN ('serial_mismatch', 'not_in_register') AND decision = 'entry_correct' THEN 'accept'
    WHEN kind = 'duplicate' AND decision IN ('scan_correct', 'entry_correct') THEN 'accept'
    ELSE decision END
WHERE decision IS NOT NULL;
