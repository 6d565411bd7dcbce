-- +goose Up
-- Pause, resume, cancel and canary pushes (issue 11). A paused push starts no
-- new call (a call already sent finishes); a cancelled one never sends what
-- is left. Each call is claimed in the same transaction that checks the push
-- is neither paused nor cancelled, so pausing and cancelling know exactly
-- which calls are in flight.
ALTER TABLE card_push_jobs ADD COLUMN paused_at BIGINT NOT NULL DEFAULT 0; -- unix ms; 0 = not paused
ALTER TABLE card_push_jobs ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE card_push_jobs ADD COLUMN pause_reason TEXT NOT NULL DEFAULT ''; -- admin, canary
ALTER TABLE card_push_jobs ADD COLUMN cancelled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE card_push_jobs ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT '';
-- 0 = no canary; 1 = the first call goes alone, the others wait; 2 = it has its answer
ALTER TABLE card_push_jobs ADD COLUMN canary INTEGER NOT NULL DEFAULT 0;
-- Rounds of resuming: the jobs of resumed calls are new queue jobs.
ALTER TABLE card_push_jobs ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;
-- A call being sent now (unix ms it was claimed; 0 = not in flight).
ALTER TABLE card_push_calls ADD COLUMN in_flight BIGINT NOT NULL DEFAULT 0;
-- A pending call without a queue job: it found its push paused (or waits
-- behind a canary) and is queued again on resume.
ALTER TABLE card_push_calls ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
