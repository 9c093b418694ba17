-- +goose Up
-- Media sent on as themselves (issue 19): a message to send carries its
-- photos, files, locations… as JSON (chat.Media, the platform's file ids
-- among them), and the parts of one album share album_key so the sender
-- sends them as one. The history keeps a customer's media with the caption.
ALTER TABLE outbox ADD COLUMN media TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN album_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN media TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN media;
ALTER TABLE outbox DROP COLUMN album_key;
ALTER TABLE outbox DROP COLUMN media;
