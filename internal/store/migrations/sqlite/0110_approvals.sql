-- +goose Up
-- Four eyes (issue 11): a large push or a wide message waits for another
-- admin. The request is a row here; its push job or send is stored as usual
-- but nothing is enqueued until the approval, which enqueues in the same
-- transaction. fingerprint is a hash of exactly what will be sent, so an
-- edit after the approval is seen (it needs approval again).
CREATE TABLE approvals (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('push', 'send', 'feed')),
    ref_id       INTEGER NOT NULL, -- card_push_jobs.id or message_sends.id
    requested_by TEXT    NOT NULL, -- username
    requested_at INTEGER NOT NULL, -- unix milliseconds
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER NOT NULL DEFAULT 0,
    reason       TEXT    NOT NULL DEFAULT '',
    fingerprint  TEXT    NOT NULL
);
-- At most one open request per item.
CREATE UNIQUE INDEX approvals_one_pending ON approvals (kind, ref_id) WHERE state = 'pending';
CREATE INDEX approvals_ref ON approvals (kind, ref_id, id);
CREATE INDEX approvals_state ON approvals (state, id);
CREATE INDEX approvals_requester ON approvals (requested_by, id);

-- The item's approval state for its lists and its queue ('' = none needed;
-- pending, approved, rejected: the latest request's).
ALTER TABLE card_push_jobs ADD COLUMN approval TEXT NOT NULL DEFAULT '';
ALTER TABLE message_sends ADD COLUMN approval TEXT NOT NULL DEFAULT '';
