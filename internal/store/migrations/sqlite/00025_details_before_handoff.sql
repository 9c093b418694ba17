-- +goose Up
-- Details before the wait (issue 20): what a customer told before a
-- handoff, as their attributes (customer.attrs.NAME in rules); the
-- questions still to ask, with the conversation, so a restart in the
-- middle loses nothing; and how many details each handoff asked for.
CREATE TABLE customer_attrs (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    name        TEXT   NOT NULL,
    value       TEXT   NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, name)
);
ALTER TABLE conversations ADD COLUMN collecting TEXT;
ALTER TABLE handoffs ADD COLUMN details_asked INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE handoffs DROP COLUMN details_asked;
ALTER TABLE conversations DROP COLUMN collecting;
DROP TABLE customer_attrs;
