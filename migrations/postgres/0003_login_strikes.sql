-- SQLite migration 0009 (failed sign-ins, shared by every web process).
CREATE TABLE login_strikes (
    key          TEXT COLLATE "C" PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_strikes_lock ON login_strikes (locked_until);
