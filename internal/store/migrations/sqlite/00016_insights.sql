-- +goose Up
-- What the rules read off each customer message besides what to do about
-- it (issue 22): its type (D14) and its sentiment, kept with the decision
-- so reports count them. Empty for events the rules did not decide
-- (agents' messages, bots) and for decisions made before this migration.
ALTER TABLE decisions ADD COLUMN msg_type TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN sentiment TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN sentiment_score REAL NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE decisions DROP COLUMN sentiment_score;
ALTER TABLE decisions DROP COLUMN sentiment;
ALTER TABLE decisions DROP COLUMN msg_type;
