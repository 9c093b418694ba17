-- +goose Up
-- A handoff's notice and /history show who the customer is: their past
-- handoffs and the rules' tags on their messages, found through their
-- conversations. Closed handoffs had no index by conversation (only the
-- open one is unique), decisions none by conversation, and a decision's
-- actions none by decision. /history finds a closed conversation by its
-- key, which only open conversations were indexed by.
CREATE INDEX handoffs_conversation ON handoffs (conversation_id);
CREATE INDEX decisions_conversation ON decisions (conversation_id);
CREATE INDEX decision_actions_decision ON decision_actions (decision_id);
CREATE INDEX conversations_key ON conversations (conversation_key, id);

-- +goose Down
DROP INDEX conversations_key;
DROP INDEX decision_actions_decision;
DROP INDEX decisions_conversation;
DROP INDEX handoffs_conversation;
