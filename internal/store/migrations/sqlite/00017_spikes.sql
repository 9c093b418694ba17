-- +goose Up
-- Spikes of message volume (issue 22): one row per spike, open while
-- ended_at is NULL. At most one open spike per volume, so that replicas
-- looking at the same burst alert once: the one whose insert wins queues
-- the alert in the same transaction.
CREATE TABLE spikes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL, -- rule, type, sentiment
    name       TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    count      INTEGER NOT NULL, -- messages in the hour that started it
    usual      REAL    NOT NULL, -- the median of the same hour in past weeks
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE UNIQUE INDEX spikes_open ON spikes (kind, name) WHERE ended_at IS NULL;
-- The detector counts a few hours of decisions every minute: by time,
-- not by scanning the table.
CREATE INDEX decisions_created ON decisions (created_at);

-- +goose Down
DROP INDEX decisions_created;
DROP TABLE spikes;
