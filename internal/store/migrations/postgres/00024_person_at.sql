-- +goose Up
-- When a person of the brand last wrote in the conversation's chat in
-- person (the owner of a Telegram Business account answering a customer
-- themselves): the bot keeps quiet for a while after it (D13).
ALTER TABLE conversations ADD COLUMN person_at BIGINT;

-- +goose Down
ALTER TABLE conversations DROP COLUMN person_at;
