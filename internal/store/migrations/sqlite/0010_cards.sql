-- +goose Up
-- Workbench card push jobs (issue 3). A job is one confirmed push; each of
-- its upstream calls (≤ 200 accounts) is a row, so progress, retries and a
-- restart mid-job never lose or repeat a call.
CREATE TABLE card_push_jobs (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL, -- unix milliseconds
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER NOT NULL DEFAULT 0,
    template_id     TEXT    NOT NULL DEFAULT '',
    template_name   TEXT    NOT NULL DEFAULT '',
    card_type       TEXT    NOT NULL,
    target          TEXT    NOT NULL CHECK (target IN ('org', 'accounts', 'diff')),
    enterprise_id   TEXT    NOT NULL DEFAULT '',
    show_on_all     INTEGER NOT NULL DEFAULT 0,
    data_json       TEXT    NOT NULL DEFAULT '', -- the card (org / accounts); diff data lives on the calls
    total_accounts  INTEGER NOT NULL,
    total_calls     INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted'))
);
-- A double-submitted confirmation carries the same key: one job, never two.
CREATE UNIQUE INDEX card_push_jobs_key ON card_push_jobs (idempotency_key);
CREATE INDEX card_push_jobs_status ON card_push_jobs (status);

CREATE TABLE card_push_calls (
    job_id        INTEGER NOT NULL REFERENCES card_push_jobs (id),
    seq           INTEGER NOT NULL,
    account_ids   TEXT    NOT NULL, -- JSON array, at most 200
    accounts      INTEGER NOT NULL,
    payload       TEXT    NOT NULL DEFAULT '', -- diff target: JSON of this call's per-account data
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
    upstream_code TEXT    NOT NULL DEFAULT '',
    message       TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX card_push_calls_status ON card_push_calls (job_id, status);
