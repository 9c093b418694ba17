-- +goose Up
-- A conversation handed to people: waiting (nobody yet) → claimed (one
-- agent owns it) → resolved or returned_to_bot. At most one is open per
-- conversation; claiming is a conditional update, so two agents pressing
-- Claim at once get one owner.
CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    state           TEXT    NOT NULL DEFAULT 'waiting', -- waiting, claimed, resolved, returned_to_bot
    priority        TEXT    NOT NULL DEFAULT 'medium',
    team            TEXT    NOT NULL DEFAULT '',
    rule            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    claimed_by      TEXT    NOT NULL DEFAULT '',
    claimed_at      INTEGER,
    closed_at       INTEGER,
    steps_done      INTEGER NOT NULL DEFAULT 0 -- reminders and escalations already made
);
CREATE UNIQUE INDEX handoffs_open ON handoffs (conversation_id) WHERE state IN ('waiting', 'claimed');
CREATE INDEX handoffs_due ON handoffs (due_at) WHERE state = 'waiting';

-- +goose Down
DROP TABLE handoffs;
