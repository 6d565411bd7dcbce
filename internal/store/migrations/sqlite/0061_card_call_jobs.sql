-- +goose Up
-- Card push calls are jobs (internal/jobs): a call whose outcome the console
-- cannot know after every attempt is "unknown", not "failed"; a call of a
-- cancelled push is "cancelled" (never sent). SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE card_push_calls_new (
    job_id        INTEGER NOT NULL REFERENCES card_push_jobs (id),
    seq           INTEGER NOT NULL,
    account_ids   TEXT    NOT NULL, -- JSON array, at most 200
    accounts      INTEGER NOT NULL,
    payload       TEXT    NOT NULL DEFAULT '', -- diff target: JSON of this call's per-account data
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'ok', 'failed', 'unknown', 'cancelled')),
    upstream_code TEXT    NOT NULL DEFAULT '',
    message       TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (job_id, seq)
);
INSERT INTO card_push_calls_new SELECT * FROM card_push_calls;
DROP TABLE card_push_calls;
ALTER TABLE card_push_calls_new RENAME TO card_push_calls;
CREATE INDEX card_push_calls_status ON card_push_calls (job_id, status);

-- The next free slot of a rate limit shared by every replica
-- (CONSOLE_PUSH_RATE): each call takes the next slot before it is sent.
CREATE TABLE rate_slots (
    name    TEXT    PRIMARY KEY,
    next_at INTEGER NOT NULL -- unix microseconds
);
