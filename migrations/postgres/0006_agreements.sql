-- SQLite migration 0012 (values verified by agreement, with the evidence).
CREATE TABLE agreements (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    page_no     BIGINT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    confidence  DOUBLE PRECISION NOT NULL,
    threshold   DOUBLE PRECISION NOT NULL,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (document_id, page_no, field)
);
