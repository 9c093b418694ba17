-- +goose Up
-- An event accepted while an earlier one of its conversation is still
-- pending waits (1) until that one is done, as outbox messages do behind
-- their chat (outbox.waits). Event claims walk only the events that do
-- not wait: before, with a backlog, each claim walked every pending event
-- of every conversation to find the few first in line (a claim cost 10 ms
-- with one PostgreSQL replica and about 170 ms with three, which all
-- walked the same backlog). An event marked waiting wrongly is found by a
-- look within a second; one not marked is only walked, as before. Events
-- accepted before this start at 0.
ALTER TABLE inbox ADD COLUMN waits SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX inbox_claim_heads ON inbox (id) WHERE state = 'pending' AND waits = 0;
-- The once-a-second looks over waiting rows go line by line (conversation,
-- chat), not row by row: the first spelling walked every waiting message
-- and took half a second a look under a backlog.
CREATE INDEX inbox_waiting ON inbox (conversation_key, id) WHERE state = 'pending' AND waits = 1;
DROP INDEX outbox_waiting;
CREATE INDEX outbox_waiting ON outbox (chat_key, id) WHERE state = 'pending' AND waits = 1;

-- +goose Down
DROP INDEX outbox_waiting;
CREATE INDEX outbox_waiting ON outbox (id) WHERE state = 'pending' AND waits = 1;
DROP INDEX inbox_waiting;
DROP INDEX inbox_claim_heads;
ALTER TABLE inbox DROP COLUMN waits;
