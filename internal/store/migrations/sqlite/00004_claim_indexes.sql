-- +goose Up
-- Claims read pending rows in claim order. Without these the inbox claim
-- scanned every row ever received (EXPLAIN QUERY PLAN: SCAN i), so it got
-- slower with history; the outbox claim sorted in a temporary B-tree.
CREATE INDEX inbox_claim ON inbox (id) WHERE state = 'pending';
CREATE INDEX outbox_claim ON outbox (priority DESC, id) WHERE state = 'pending';

-- +goose Down
DROP INDEX outbox_claim;
DROP INDEX inbox_claim;
