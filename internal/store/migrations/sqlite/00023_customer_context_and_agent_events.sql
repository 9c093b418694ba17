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

-- What agents did to handoffs from the team chat (claims, transfers,
-- closes…), one row per command applied, for per-agent reports. Agents
-- are staff: the row names no customer.
CREATE TABLE agent_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    handoff_id INTEGER NOT NULL,
    agent_id   TEXT    NOT NULL,
    agent_name TEXT    NOT NULL,
    command    TEXT    NOT NULL,
    claimed    INTEGER NOT NULL DEFAULT 0, -- the command made the agent the owner
    created_at INTEGER NOT NULL
);
CREATE INDEX agent_events_time ON agent_events (created_at);

-- +goose Down
DROP TABLE agent_events;
DROP INDEX conversations_key;
DROP INDEX decision_actions_decision;
DROP INDEX decisions_conversation;
DROP INDEX handoffs_conversation;
