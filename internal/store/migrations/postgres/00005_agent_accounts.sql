-- +goose Up
-- Agents are identified by their platform account ("telegram:123"), not by
-- the name they show, which two people may share. claimed_by stays as the
-- owner's name, for display; an open handoff claimed before this has a
-- name and no account, and stays answerable by its whole team until it is
-- claimed again. first_response_by* say who wrote the first response, for
-- per-agent reports.
ALTER TABLE handoffs ADD COLUMN claimed_by_id TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN first_response_by_id TEXT NOT NULL DEFAULT '';
ALTER TABLE handoffs ADD COLUMN first_response_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE handoffs DROP COLUMN first_response_by;
ALTER TABLE handoffs DROP COLUMN first_response_by_id;
ALTER TABLE handoffs DROP COLUMN claimed_by_id;
