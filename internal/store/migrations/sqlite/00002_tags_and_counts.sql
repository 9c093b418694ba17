-- +goose Up
-- Tags a rule put on a message (comma-separated), for reports.
ALTER TABLE decision_actions ADD COLUMN detail TEXT NOT NULL DEFAULT '';
-- Rules read a customer's recent message counts on every message.
CREATE INDEX conversations_customer ON conversations (customer_id);
CREATE INDEX messages_in_time ON messages (conversation_id, created_at) WHERE direction = 'in';

-- +goose Down
DROP INDEX messages_in_time;
DROP INDEX conversations_customer;
ALTER TABLE decision_actions DROP COLUMN detail;
