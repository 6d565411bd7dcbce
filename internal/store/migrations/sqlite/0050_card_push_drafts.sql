-- +goose Up
-- The card push wizard's state (issue 10): one row per draft, owned by the
-- user who started it, so each step posts only what it changes plus the
-- draft's id. Drafts expire 24 h after their last change (PushDraftMaxAge).
CREATE TABLE card_push_drafts (
    id               TEXT    PRIMARY KEY,                -- random, 128 bits
    owner_id         INTEGER NOT NULL REFERENCES users (id),
    template_id      TEXT    NOT NULL,
    template_name    TEXT    NOT NULL DEFAULT '',
    card_type        TEXT    NOT NULL,
    items            TEXT    NOT NULL DEFAULT '',        -- the editor's items as typed (JSON)
    target           TEXT    NOT NULL DEFAULT '' CHECK (target IN ('', 'org', 'accounts', 'diff')),
    enterprise_id    TEXT    NOT NULL DEFAULT '',
    show_on_all      INTEGER NOT NULL DEFAULT 0,
    account_text     TEXT    NOT NULL DEFAULT '',        -- pasted account ids as typed
    account_file     TEXT    NOT NULL DEFAULT '',        -- name of the uploaded id list
    account_file_ids TEXT    NOT NULL DEFAULT '',        -- its valid ids, one per line
    diff_file        TEXT    NOT NULL DEFAULT '',        -- name of the uploaded different-data CSV
    diff_rows        BLOB    NOT NULL DEFAULT x'',       -- its parsed rows (gzip JSON)
    diff_count       INTEGER NOT NULL DEFAULT 0,
    revision         INTEGER NOT NULL DEFAULT 0,         -- +1 on every change
    created_at       INTEGER NOT NULL,                   -- unix milliseconds
    updated_at       INTEGER NOT NULL
);
CREATE INDEX card_push_drafts_owner ON card_push_drafts (owner_id, updated_at);
CREATE INDEX card_push_drafts_updated ON card_push_drafts (updated_at);

-- "Start from the last push" reads the newest job of a template and target.
CREATE INDEX card_push_jobs_template ON card_push_jobs (template_id, target, id);
