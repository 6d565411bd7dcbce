-- +goose Up
-- Message drafts and the message send history (issue 4).

-- A draft is the composer's values, url-encoded as the form posts them, so a
-- reopened draft comes back exactly as typed (even when not yet valid).
CREATE TABLE drafts (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    msg_type   TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    form       TEXT    NOT NULL,
    created_at INTEGER NOT NULL, -- unix milliseconds
    updated_at INTEGER NOT NULL
);
CREATE INDEX drafts_owner ON drafts (owner_id, updated_at);

-- One row per busiId: the UNIQUE index is what makes a send happen once. The
-- row is inserted with status 'sending' before the upstream call; a second
-- submit of the same busiId finds it instead of sending again.
CREATE TABLE message_sends (
    id               INTEGER PRIMARY KEY,
    busi_id          TEXT    NOT NULL,
    msg_type         TEXT    NOT NULL,
    title            TEXT    NOT NULL DEFAULT '',
    sender           TEXT    NOT NULL,
    recipients       INTEGER NOT NULL DEFAULT 0,
    request          TEXT    NOT NULL, -- the exact JSON body posted upstream
    form             TEXT    NOT NULL, -- the composer's values (duplicate, retry)
    status           TEXT    NOT NULL CHECK (status IN ('sending', 'ok', 'failed')),
    upstream_code    TEXT    NOT NULL DEFAULT '',
    upstream_message TEXT    NOT NULL DEFAULT '',
    msg_id           TEXT    NOT NULL DEFAULT '',
    response         TEXT    NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 1,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX message_sends_busi_id ON message_sends (busi_id);
CREATE INDEX message_sends_started ON message_sends (started_at);
