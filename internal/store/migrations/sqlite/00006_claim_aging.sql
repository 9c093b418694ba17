-- +goose Up
-- Urgent messages go first, but nothing starves: a message's claim order
-- is its age, with each priority level worth one minute of waiting
-- (critical 3, high 2, medium 1, low and bot replies 0).
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox ((created_at - priority * 60000), id) WHERE state = 'pending';

-- +goose Down
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox (priority DESC, id) WHERE state = 'pending';
