-- +goose Up
-- Card data feeds (issue 11): a feed fetches a card's items from a URL on a
-- schedule and pushes them to its target (an organisation, or the same data
-- for listed accounts) through an ordinary push job, only when they changed.
CREATE TABLE card_feeds (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    template_id      TEXT    NOT NULL,
    template_name    TEXT    NOT NULL DEFAULT '',
    card_type        TEXT    NOT NULL,
    target           TEXT    NOT NULL CHECK (target IN ('org', 'accounts')),
    enterprise_id    TEXT    NOT NULL DEFAULT '',
    show_on_all      INTEGER NOT NULL DEFAULT 0,
    account_ids      TEXT    NOT NULL DEFAULT '',   -- accounts target: valid ids, one per line
    url              TEXT    NOT NULL,
    every_minutes    INTEGER NOT NULL DEFAULT 0,    -- every N minutes (≥ 5), or 0 …
    daily_at         TEXT    NOT NULL DEFAULT '',   -- … daily at HH:MM in the console's zone
    enabled          INTEGER NOT NULL DEFAULT 1,
    paused_at        INTEGER NOT NULL DEFAULT 0,    -- unix ms; set after 3 failed runs in a row
    failures         INTEGER NOT NULL DEFAULT 0,    -- failed or invalid runs in a row
    next_run_at      INTEGER NOT NULL DEFAULT 0,    -- unix ms of the next scheduled run
    last_push_job_id INTEGER NOT NULL DEFAULT 0,    -- the push of the last data sent (0 = none since the last edit)
    approval         TEXT    NOT NULL DEFAULT '',   -- four eyes on the feed's settings ('' = none needed; pending, approved, rejected)
    demo_key         TEXT    UNIQUE,                -- the sandbox's demo feed: configured once
    created_by       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX card_feeds_due ON card_feeds (next_run_at);

CREATE TABLE card_feed_runs (
    id          INTEGER PRIMARY KEY,
    feed_id     INTEGER NOT NULL REFERENCES card_feeds (id),
    cause       TEXT    NOT NULL CHECK (cause IN ('schedule', 'manual')),
    actor       TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'unchanged', 'pushed', 'invalid', 'failed')),
    created_at  INTEGER NOT NULL,
    started_at  INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,  -- of the answer read
    fetch_ms    INTEGER NOT NULL DEFAULT 0,
    hash        TEXT    NOT NULL DEFAULT '', -- sha256 of the canonical card
    push_job_id INTEGER NOT NULL DEFAULT 0,
    reason      TEXT    NOT NULL DEFAULT '', -- failed: the kind of failure
    reason_arg  TEXT    NOT NULL DEFAULT '', -- its detail (a host, a status, a content type)
    errors      TEXT    NOT NULL DEFAULT '', -- invalid: the field errors (JSON)
    error_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX card_feed_runs_feed ON card_feed_runs (feed_id, id);
CREATE INDEX card_feed_runs_job ON card_feed_runs (push_job_id);
