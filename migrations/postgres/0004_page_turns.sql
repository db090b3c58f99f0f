-- SQLite migration 0010 (pages read in turns, ACs in rotation).
ALTER TABLE pages ADD COLUMN turn BIGINT NOT NULL DEFAULT 0;
CREATE INDEX pages_turn ON pages (status, turn);
