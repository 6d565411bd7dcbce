-- +goose Up
-- Card push calls are jobs (internal/jobs): a call whose outcome the console
-- cannot know after every attempt is "unknown", not "failed"; a call of a
-- cancelled push is "cancelled" (never sent).
ALTER TABLE card_push_calls DROP CONSTRAINT card_push_calls_status_check;
ALTER TABLE card_push_calls ADD CONSTRAINT card_push_calls_status_check
    CHECK (status IN ('pending', 'ok', 'failed', 'unknown', 'cancelled'));

-- The next free slot of a rate limit shared by every replica
-- (CONSOLE_PUSH_RATE): each call takes the next slot before it is sent.
CREATE TABLE rate_slots (
    name    TEXT   PRIMARY KEY,
    next_at BIGINT NOT NULL -- unix microseconds
);
