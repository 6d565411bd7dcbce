-- +goose Up
-- One row that /readyz rewrites: a console that cannot write it (disk full,
-- read-only or closed database) is not ready for traffic.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT  NOT NULL -- unix milliseconds of the last successful probe
);
