-- +goose Up
-- The keys that sign and encrypt session cookies, shared by every replica
-- (internal/web/keys.go). Newest id = newest key; created_at decides when the
-- replicas start signing with it (every one has loaded it by then).
CREATE TABLE session_keys (
    id         BIGINT PRIMARY KEY,
    hash_key   BYTEA  NOT NULL, -- 64 bytes: HMAC-SHA256 of the cookie
    block_key  BYTEA  NOT NULL, -- 32 bytes: AES-256 of the cookie
    created_at BIGINT NOT NULL  -- unix milliseconds; 0 = imported from session.keys
);
