-- +goose Up
-- Claimed handoffs nobody writes in for a while are resolved by a timer,
-- so a forgotten conversation does not keep the bot quiet forever.
ALTER TABLE handoffs ADD COLUMN last_activity_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN closed_reason TEXT NOT NULL DEFAULT ''; -- agent, timeout, incident
UPDATE handoffs SET last_activity_at = COALESCE(claimed_at, created_at);
CREATE INDEX handoffs_idle ON handoffs (last_activity_at) WHERE state = 'claimed';

-- Incidents (D17): many handoffs with one cause (same team and rule) in a
-- short time are grouped under one notification that is updated rather
-- than repeated. At most one is open per team and cause.
CREATE TABLE incidents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team       TEXT    NOT NULL,
    cause      TEXT    NOT NULL, -- the rule that handed off
    state      TEXT    NOT NULL DEFAULT 'open', -- open, resolved
    handoffs   INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    closed_at  INTEGER,
    message_id TEXT    NOT NULL DEFAULT '' -- its notification in the team chat, for edits
);
CREATE UNIQUE INDEX incidents_open ON incidents (team, cause) WHERE state = 'open';
ALTER TABLE handoffs ADD COLUMN incident_id INTEGER REFERENCES incidents (id);
CREATE INDEX handoffs_cause ON handoffs (team, rule, created_at);
ALTER TABLE outbox ADD COLUMN incident_id INTEGER;

-- +goose Down
ALTER TABLE outbox DROP COLUMN incident_id;
DROP INDEX handoffs_cause;
ALTER TABLE handoffs DROP COLUMN incident_id;
DROP TABLE incidents;
DROP INDEX handoffs_idle;
ALTER TABLE handoffs DROP COLUMN closed_reason;
ALTER TABLE handoffs DROP COLUMN last_activity_at;
