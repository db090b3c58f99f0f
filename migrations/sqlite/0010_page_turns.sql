-- Each queued page's turn: pages are read in turn order, and a new
-- document's pages take the turns after its AC's last queued page, or
-- after the page being read now when its AC has none queued, so that ACs
-- are served in rotation and one AC's big batch cannot hold up another's
-- one page (docs/design.md, "Storage and jobs").
ALTER TABLE pages ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pages_turn ON pages (status, turn);
