-- +goose Up
-- The once-a-second look over messages waiting behind another of their
-- chat walks only those (see unparkQuery).
CREATE INDEX outbox_waiting ON outbox (id) WHERE state = 'pending' AND waits = 1;

-- +goose Down
DROP INDEX outbox_waiting;
