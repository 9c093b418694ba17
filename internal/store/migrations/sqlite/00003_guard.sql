-- +goose Up
-- The frequency guard's reservations: a key (same content to a customer,
-- same rule for a customer, a conversation's acknowledgement) is taken until
-- it expires. The primary key makes taking it atomic across workers.
CREATE TABLE guard_reservations (
    key        TEXT    PRIMARY KEY,
    scope      TEXT    NOT NULL, -- the customer: platform/bot/id
    outbox_id  INTEGER,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX guard_reservations_scope ON guard_reservations (scope, expires_at);
CREATE INDEX guard_reservations_outbox ON guard_reservations (outbox_id);

-- Bursts: messages in quick succession (or one album) are answered as one.
ALTER TABLE conversations ADD COLUMN last_album TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN burst_sends INTEGER NOT NULL DEFAULT 0;

-- Per-customer hourly counts, the interaction window and send priority.
ALTER TABLE outbox ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN window_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_scope_time ON outbox (scope, created_at);

-- +goose Down
DROP INDEX outbox_scope_time;
ALTER TABLE outbox DROP COLUMN priority;
ALTER TABLE outbox DROP COLUMN window_until;
ALTER TABLE outbox DROP COLUMN scope;
ALTER TABLE conversations DROP COLUMN burst_sends;
ALTER TABLE conversations DROP COLUMN last_album;
DROP TABLE guard_reservations;
