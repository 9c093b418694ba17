-- +goose Up
-- Who was just forgotten, as a one-way digest of platform/bot/external id
-- (chat.ErasureSubject): copies kept outside the database (the sandbox's
-- conversations in a running service's memory) are dropped when their
-- process reads this. Rows are pruned after an hour.
CREATE TABLE erasures (
    id      BIGSERIAL PRIMARY KEY,
    subject TEXT    NOT NULL,
    at      BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE erasures;
