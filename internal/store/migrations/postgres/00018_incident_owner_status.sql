-- +goose Up
-- An incident's owner (the agent who took it, by account and by name), the
-- status they last posted to its customers and how many updates they
-- posted: an update is written only while the count is as it was read, so
-- two agents' updates never interleave and a customer joining meanwhile is
-- decided again on the newest status.
ALTER TABLE incidents ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN updates INTEGER NOT NULL DEFAULT 0;
-- The incident's rows in the outbox (its team notification, its edits and
-- every customer's update): the latest notification is read to edit it,
-- and reports count who was told.
CREATE INDEX outbox_incident ON outbox (incident_id, id) WHERE incident_id IS NOT NULL;
-- An incident's customers, read for every update and resolve.
CREATE INDEX handoffs_incident ON handoffs (incident_id) WHERE incident_id IS NOT NULL;

-- +goose Down
DROP INDEX handoffs_incident;
DROP INDEX outbox_incident;
ALTER TABLE incidents DROP COLUMN updates;
ALTER TABLE incidents DROP COLUMN status;
ALTER TABLE incidents DROP COLUMN owner;
ALTER TABLE incidents DROP COLUMN owner_id;
