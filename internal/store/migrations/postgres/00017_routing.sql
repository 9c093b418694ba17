-- +goose Up
-- How each handoff was routed (issue 20): the customer's language, why its
-- team got it, whether that team was away then; and its overflow timer:
-- when, unclaimed, it is offered to a second team, and when it was.
ALTER TABLE handoffs ADD COLUMN route_language TEXT    NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN route_reason   TEXT    NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN out_of_hours   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN overflow_at    BIGINT;
ALTER TABLE handoffs ADD COLUMN overflow_team  TEXT    NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN overflowed_at  BIGINT;
CREATE INDEX handoffs_overflow ON handoffs (overflow_at) WHERE state = 'waiting' AND overflowed_at IS NULL;

-- A question asked in a public group or channel, kept for the private chat
-- that continues it (/start TOKEN). The token is random; it works once,
-- until expires_at, for the customer who asked.
CREATE TABLE public_links (
    token       TEXT    PRIMARY KEY,
    platform    TEXT    NOT NULL,
    bot         TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    rule        TEXT    NOT NULL DEFAULT '',
    team        TEXT    NOT NULL DEFAULT '',
    priority    TEXT    NOT NULL DEFAULT '',
    reply       TEXT    NOT NULL DEFAULT '',
    question    TEXT    NOT NULL DEFAULT '',
    language    TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
CREATE INDEX public_links_expires ON public_links (expires_at);

-- +goose Down
DROP TABLE public_links;
DROP INDEX handoffs_overflow;
ALTER TABLE handoffs DROP COLUMN overflowed_at;
ALTER TABLE handoffs DROP COLUMN overflow_team;
ALTER TABLE handoffs DROP COLUMN overflow_at;
ALTER TABLE handoffs DROP COLUMN out_of_hours;
ALTER TABLE handoffs DROP COLUMN route_reason;
ALTER TABLE handoffs DROP COLUMN route_language;
