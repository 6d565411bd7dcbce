-- +goose Up
-- Sends are jobs (internal/jobs): a send is queued before a worker takes it,
-- and an outcome the console cannot know is "unknown", not "failed".
ALTER TABLE message_sends DROP CONSTRAINT message_sends_status_check;
ALTER TABLE message_sends ADD CONSTRAINT message_sends_status_check
    CHECK (status IN ('queued', 'sending', 'ok', 'failed', 'unknown'));
ALTER TABLE message_sends ALTER COLUMN attempts SET DEFAULT 0;
