-- +goose Up
-- When an agent first wrote to the customer: the first response that SLAs
-- and reports measure, kept with the handoff so it need not be searched
-- for among all sent messages.
ALTER TABLE handoffs ADD COLUMN first_response_at BIGINT;

-- +goose Down
ALTER TABLE handoffs DROP COLUMN first_response_at;
