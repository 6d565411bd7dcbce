-- +goose Up
-- When each account last signed in, for the admins' user list (issue 12).
-- Set by every sign-in in the transaction that starts the session; 0 = never.
-- Accounts that signed in before this column existed get it from the audit log.
ALTER TABLE users ADD COLUMN last_login_at BIGINT NOT NULL DEFAULT 0;
UPDATE users SET last_login_at = COALESCE((SELECT MAX(a.at) FROM audit_log a
    WHERE a.action = 'login' AND a.outcome = 'ok' AND a.actor = users.username), 0);
