-- +goose Up
-- Messages given up for good ("dead letters") are listed and counted for
-- operators; the history of sent messages must not be scanned for them.
CREATE INDEX outbox_failed ON outbox (id) WHERE state = 'failed';

-- +goose Down
DROP INDEX outbox_failed;
