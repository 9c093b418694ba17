-- +goose Up
-- Why a customer cannot be reached (blocked the bot, chat gone), as the
-- platform said it, so operators see the reason and not just a flag.
ALTER TABLE customers ADD COLUMN unreachable_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customers DROP COLUMN unreachable_reason;
