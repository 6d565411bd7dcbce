-- +goose Up
-- Forms kept across an ended session belong to the user whose session ended
-- (issue 9). The rows of the old table had no owner and may hold passwords:
-- they are dropped, not migrated.
DROP TABLE form_stash;
CREATE TABLE form_stash (
    id         TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    method     TEXT   NOT NULL,
    path       TEXT   NOT NULL,
    body       TEXT   NOT NULL,            -- url-encoded values, secrets removed
    omitted    TEXT   NOT NULL DEFAULT '', -- url-encoded names of the fields not kept
    created_at BIGINT NOT NULL,            -- unix milliseconds
    seq        BIGINT GENERATED ALWAYS AS IDENTITY -- insertion order (SQLite: rowid)
);
CREATE INDEX form_stash_user ON form_stash (user_id, created_at);
CREATE INDEX form_stash_created ON form_stash (created_at);

ALTER TABLE sessions ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY; -- insertion order (SQLite: rowid)
DROP INDEX sessions_user;
CREATE INDEX sessions_user_seen ON sessions (user_id, last_seen_at);
