-- Failed sign-ins per username and per client address, and the lock they
-- started (Unix seconds): kept in the database so that every web process
-- of a deployment counts the same failures.
CREATE TABLE login_strikes (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_strikes_lock ON login_strikes (locked_until);
