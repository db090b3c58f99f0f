-- Page jobs are claimed under a lease: the worker that holds it, until when
-- (Unix seconds), and how many times the page was claimed. A worker stores
-- a page's reading only while its lease holds, so a page is stored once
-- even when a worker dies in the middle of it; a page claimed too often
-- (it kills its workers) is failed with the reason.
ALTER TABLE pages ADD COLUMN worker TEXT;
ALTER TABLE pages ADD COLUMN lease_until BIGINT;
ALTER TABLE pages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pages_claim ON pages (status, document_id, page_no);
