-- +goose Up
-- The team-chat commands of issue 19. closes_at: a timed close (/close in
-- 10m) pending on an open handoff, cleared when the customer writes.
-- blocked_by_team: agents blocked the customer (/block): their messages are
-- stored, never answered nor relayed. team_agents: who has acted in a team's
-- chat, so /transfer @agent finds them by username or name. tags: what agents
-- labelled the handoff with (/tag, the API), space-separated, sorted.
ALTER TABLE handoffs ADD COLUMN closes_at INTEGER;
CREATE INDEX handoffs_closes_at ON handoffs (closes_at) WHERE closes_at IS NOT NULL;
ALTER TABLE customers ADD COLUMN blocked_by_team INTEGER NOT NULL DEFAULT 0;
ALTER TABLE handoffs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
CREATE TABLE team_agents (
    team         TEXT    NOT NULL,
    agent_id     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    username     TEXT    NOT NULL DEFAULT '',
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (team, agent_id)
);

-- +goose Down
DROP TABLE team_agents;
DROP INDEX handoffs_closes_at;
ALTER TABLE customers DROP COLUMN blocked_by_team;
ALTER TABLE handoffs DROP COLUMN tags;
ALTER TABLE handoffs DROP COLUMN closes_at;
