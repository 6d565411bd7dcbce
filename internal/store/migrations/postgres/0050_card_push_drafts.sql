-- +goose Up
-- The card push wizard's state (issue 10): one row per draft, owned by the
-- user who started it, so each step posts only what it changes plus the
-- draft's id. Drafts expire 24 h after their last change (PushDraftMaxAge).
CREATE TABLE card_push_drafts (
    id               TEXT    PRIMARY KEY,
    owner_id         BIGINT  NOT NULL REFERENCES users (id),
    template_id      TEXT    NOT NULL,
    template_name    TEXT    NOT NULL DEFAULT '',
    card_type        TEXT    NOT NULL,
    items            TEXT    NOT NULL DEFAULT '',
    target           TEXT    NOT NULL DEFAULT '' CHECK (target IN ('', 'org', 'accounts', 'diff')),
    enterprise_id    TEXT    NOT NULL DEFAULT '',
    show_on_all      BOOLEAN NOT NULL DEFAULT FALSE,
    account_text     TEXT    NOT NULL DEFAULT '',
    account_file     TEXT    NOT NULL DEFAULT '',
    account_file_ids TEXT    NOT NULL DEFAULT '',
    diff_file        TEXT    NOT NULL DEFAULT '',
    diff_rows        BYTEA   NOT NULL DEFAULT '\x',
    diff_count       BIGINT  NOT NULL DEFAULT 0,
    revision         BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX card_push_drafts_owner ON card_push_drafts (owner_id, updated_at);
CREATE INDEX card_push_drafts_updated ON card_push_drafts (updated_at);

CREATE INDEX card_push_jobs_template ON card_push_jobs (template_id, target, id);
