-- SQLite migration 0011 (decisions that fit the finding, the value the
-- operator read, recommendations to the RO).
ALTER TABLE findings DROP CONSTRAINT findings_decision_check;
ALTER TABLE findings ADD CONSTRAINT findings_decision_check CHECK (decision IN
    ('scan_correct', 'entry_correct', 'rescan', 'signed', 'not_signed', 'accept', 'reject'));
ALTER TABLE findings ADD COLUMN read_value TEXT;
ALTER TABLE findings ADD COLUMN recommended TEXT CHECK (recommended IN ('signed', 'not_signed', 'accept', 'reject'));
ALTER TABLE findings ADD COLUMN recommended_by TEXT;
ALTER TABLE findings ADD COLUMN recommended_at TEXT;
ALTER TABLE findings ADD COLUMN recommended_note TEXT;

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
