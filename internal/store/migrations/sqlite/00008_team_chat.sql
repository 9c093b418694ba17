-- +goose Up
-- Messages to agents' team chats: inline buttons, the handoff they belong
-- to, and answers to button presses.
ALTER TABLE outbox ADD COLUMN buttons TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN handoff_id INTEGER;
ALTER TABLE outbox ADD COLUMN callback_id TEXT NOT NULL DEFAULT '';

-- Which team-chat message belongs to which handoff: an agent answers a
-- customer by replying to one. Stored, not read from forward_from, which
-- customers can hide.
CREATE TABLE handoff_messages (
    handoff_id INTEGER NOT NULL REFERENCES handoffs (id),
    platform   TEXT    NOT NULL,
    bot        TEXT    NOT NULL,
    chat_id    TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    PRIMARY KEY (platform, bot, chat_id, message_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE handoff_messages;
ALTER TABLE outbox DROP COLUMN callback_id;
ALTER TABLE outbox DROP COLUMN handoff_id;
ALTER TABLE outbox DROP COLUMN buttons;
