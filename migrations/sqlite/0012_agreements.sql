-- Values verified by agreement (docs/design.md, "What is checked"): read
-- under their field's threshold but at or over its agreement floor, equal
-- to a figure from an independent source (the ETPBS register, the AC).
-- The evidence of each, per page and field; rewritten when the page is
-- checked again.
CREATE TABLE agreements (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    page_no     INTEGER NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    confidence  REAL NOT NULL,
    threshold   REAL NOT NULL,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (document_id, page_no, field)
);
