-- +goose Up
-- Every send writes its reservations, so each index on this table costs
-- on the hot path. Clustered on the key (WITHOUT ROWID) there is one B-tree
-- fewer; the release of a failed send finds its rows by scope instead of a
-- separate outbox_id index.
CREATE TABLE guard_reservations_new (
    key        TEXT    PRIMARY KEY,
    scope      TEXT    NOT NULL,
    outbox_id  INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO guard_reservations_new SELECT key, scope, outbox_id, expires_at, created_at FROM guard_reservations;
DROP TABLE guard_reservations;
ALTER TABLE guard_reservations_new RENAME TO guard_reservations;
CREATE INDEX guard_reservations_scope ON guard_reservations (scope, expires_at);

-- +goose Down
CREATE TABLE guard_reservations_old (
    key        TEXT    PRIMARY KEY,
    scope      TEXT    NOT NULL,
    outbox_id  INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO guard_reservations_old SELECT key, scope, outbox_id, expires_at, created_at FROM guard_reservations;
DROP TABLE guard_reservations;
ALTER TABLE guard_reservations_old RENAME TO guard_reservations;
CREATE INDEX guard_reservations_scope ON guard_reservations (scope, expires_at);
CREATE INDEX guard_reservations_outbox ON guard_reservations (outbox_id);
