-- +goose Up
-- What a finished push came to, for every list that shows it: done, failed
-- (some calls), failed_all, or unknown (no call failed, some outcomes are not
-- known). Empty while it runs.
ALTER TABLE card_push_jobs ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
