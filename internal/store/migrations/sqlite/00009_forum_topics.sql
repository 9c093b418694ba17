-- +goose Up
-- Where an agents' group is a forum, each customer conversation gets one
-- topic, created with its first notice and reused by later ones (and by
-- later handoffs of the same customer chat). Agents answer by writing in
-- the topic, so the mapping is stored both ways.
CREATE TABLE team_topics (
    platform         TEXT    NOT NULL,
    bot              TEXT    NOT NULL,
    chat_id          TEXT    NOT NULL,
    conversation_key TEXT    NOT NULL,
    thread_id        TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (platform, bot, chat_id, conversation_key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX team_topics_thread ON team_topics (platform, bot, chat_id, thread_id);

ALTER TABLE outbox ADD COLUMN topic_key TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN topic_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN topic_name;
ALTER TABLE outbox DROP COLUMN topic_key;
DROP TABLE team_topics;
