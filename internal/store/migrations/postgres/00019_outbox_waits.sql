-- +goose Up
-- A message queued behind an unsent one of its chat waits (1) until that
-- one leaves the queue. The sender's claim walks only the messages that
-- do not wait: before, it walked every message of a chat whose queue had
-- grown (a team chat's notices, sent one at a time) on each claim, asking
-- of each whether an older one was still pending. A message marked
-- waiting wrongly is found by a recount within a second; one not marked
-- is only walked, as before. Messages queued before this start at 0.
ALTER TABLE outbox ADD COLUMN waits SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_claim_heads ON outbox ((created_at - priority * 60000), id) WHERE state = 'pending' AND waits = 0;

-- +goose Down
DROP INDEX outbox_claim_heads;
ALTER TABLE outbox DROP COLUMN waits;
