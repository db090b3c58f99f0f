-- Uploads refused (docs/api.md, "Refused uploads"): the file's name and
-- size, the error code and sentence, who sent it and when; not the bytes.
-- Kept so that a refusal is still there after the page is reloaded; the
-- newest 500 of an AC are kept.
CREATE TABLE refusals (
    id          INTEGER PRIMARY KEY,
    ac_no       INTEGER NOT NULL REFERENCES acs (ac_no),
    filename    TEXT NOT NULL,
    size        INTEGER NOT NULL,
    error       TEXT NOT NULL,
    message     TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX refusals_ac ON refusals (ac_no, id);
