-- +goose Up
-- outbox_claim (every pending message, in claim order) lured the planner
-- away from outbox_pending, the index a lookup by chat needs, as
-- inbox_claim did on the inbox (migration 22). With statistics taken while
-- nothing was pending, it believes both indexes empty and picks the one it
-- finds first: after an outage, every reply queued asked "is this chat's
-- queue busy?" by reading every pending message, and so did the sender's
-- claim for each candidate and the let-go after each send (7 ms a row with
-- 30,000 pending). Its one reader is the claims' mark, whose query says
-- waits >= 0 (every row's): a lookup by chat says nothing of waits, so this
-- index no longer answers it.
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox ((created_at - priority * 60000), id) WHERE state = 'pending' AND waits >= 0;

-- +goose Down
DROP INDEX outbox_claim;
CREATE INDEX outbox_claim ON outbox ((created_at - priority * 60000), id) WHERE state = 'pending';
