-- +goose Up
-- Sends are jobs (internal/jobs): a send is queued before a worker takes it,
-- and an outcome the console cannot know is "unknown", not "failed";
-- "cancelled" is for sends that wait (scheduled, awaiting approval).
ALTER TABLE message_sends DROP CONSTRAINT message_sends_status_check;
ALTER TABLE message_sends ADD CONSTRAINT message_sends_status_check
    CHECK (status IN ('queued', 'sending', 'ok', 'failed', 'unknown', 'cancelled'));
ALTER TABLE message_sends ALTER COLUMN attempts SET DEFAULT 0;
