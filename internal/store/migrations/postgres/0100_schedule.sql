-- +goose Up
-- Scheduled sends and pushes (issue 11): send_at is when the user set it to
-- start (0 = at once), fired_at when it actually started (a console that was
-- down at the time starts it late), start_job the River job that starts it
-- (cancelled with the row; a start whose job is not the row's does nothing).
ALTER TABLE message_sends ADD COLUMN send_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_sends ADD COLUMN fired_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_sends ADD COLUMN start_job BIGINT NOT NULL DEFAULT 0;
ALTER TABLE card_push_jobs ADD COLUMN send_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE card_push_jobs ADD COLUMN fired_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE card_push_jobs ADD COLUMN start_job BIGINT NOT NULL DEFAULT 0;
-- /schedule lists what waits, soonest first.
CREATE INDEX message_sends_send_at ON message_sends (send_at) WHERE send_at > 0 AND fired_at = 0;
CREATE INDEX card_push_jobs_send_at ON card_push_jobs (send_at) WHERE send_at > 0 AND fired_at = 0;
