-- +goose Up
-- Sign-in attempts replace login_failures: one row per attempt, recorded
-- before the password is checked (so parallel attempts cannot overrun a
-- limit) and deleted when it succeeds; counted per (account, IP), per IP and
-- per account (auth.DecideLogin). Failures in flight at upgrade are dropped.
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT    NOT NULL,
    ip       TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, ip, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

-- Client IPs each account signed in from: exempt from the account's slow-down.
CREATE TABLE login_clients (
    username TEXT    NOT NULL,
    ip       TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (username, ip)
);

-- One row per account and per client IP: a reservation updates both, which
-- queues concurrent reservations for the same keys.
CREATE TABLE login_locks (
    key TEXT    PRIMARY KEY,
    at  INTEGER NOT NULL
);
