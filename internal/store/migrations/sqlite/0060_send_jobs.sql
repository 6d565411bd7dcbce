-- +goose Up
-- Sends are jobs (internal/jobs): a send is queued before a worker takes it,
-- and an outcome the console cannot know is "unknown", not "failed";
-- "cancelled" is for sends that wait (scheduled, awaiting approval).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE message_sends_new (
    id               INTEGER PRIMARY KEY,
    busi_id          TEXT    NOT NULL,
    msg_type         TEXT    NOT NULL,
    title            TEXT    NOT NULL DEFAULT '',
    sender           TEXT    NOT NULL,
    recipients       INTEGER NOT NULL DEFAULT 0,
    request          TEXT    NOT NULL, -- the exact JSON body posted upstream
    form             TEXT    NOT NULL, -- the composer's values (duplicate, retry)
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'ok', 'failed', 'unknown', 'cancelled')),
    upstream_code    TEXT    NOT NULL DEFAULT '',
    upstream_message TEXT    NOT NULL DEFAULT '',
    msg_id           TEXT    NOT NULL DEFAULT '',
    response         TEXT    NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO message_sends_new SELECT * FROM message_sends;
DROP TABLE message_sends;
ALTER TABLE message_sends_new RENAME TO message_sends;
CREATE UNIQUE INDEX message_sends_busi_id ON message_sends (busi_id);
CREATE INDEX message_sends_started ON message_sends (started_at);
