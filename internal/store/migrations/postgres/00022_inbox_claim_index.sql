-- +goose Up
-- inbox_claim (every pending event, by id) lured the planner away from
-- the index a lookup by conversation needs. With statistics that say no
-- event is pending (taken after a burst drained, and kept until a fifth
-- of the table changes), it believes the index empty and cheaper to read
-- whole than to probe inbox_pending: the claim's check "no earlier pending
-- event in this conversation" then read every pending event per candidate
-- (12 ms against 0.4 ms with 3,000 pending; under three replicas single
-- claims took seconds). The claim's mark now reads inbox_claim_heads, the
-- index the claim walks, and lookups by id have the primary key.
DROP INDEX inbox_claim;

-- +goose Down
CREATE INDEX inbox_claim ON inbox (id) WHERE state = 'pending';
