-- The ballot id each Form 13A or 13B page carries ('' when it cannot be
-- read; NULL for other forms), so that a recheck after a page is read or a
-- finding decided loads only the pages of the ballots it touches
-- (docs/design.md, "Rechecks"). Pages read before this column are filled
-- in by the server when it opens the database.
ALTER TABLE pages ADD COLUMN ballot_id TEXT;
CREATE INDEX pages_ballot ON pages (ballot_id);
