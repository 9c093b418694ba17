-- +goose Up
-- A customer's button press is accepted only if the bot sent that button
-- under the message pressed (issue 17): the buttons are looked up by chat
-- and platform message id, among the few rows that have buttons.
CREATE INDEX outbox_offered ON outbox (chat_key, platform_message_id) WHERE buttons <> '';

-- +goose Down
DROP INDEX outbox_offered;
