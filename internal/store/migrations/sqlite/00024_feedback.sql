-- +goose Up
-- Customers' feedback (issue 20): "was your question solved?" (value 1 yes,
-- 0 no), the 1–5 satisfaction rating with its optional comment, and 👍/👎
-- (1/0) on a rule's answer. Team and agent are the handoff's when it was
-- answered, so reports need no join through handoffs that changed since.
-- One answer of a kind per conversation, handoff and rule: a second press
-- stores nothing.
CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL,
    handoff_id      INTEGER NOT NULL DEFAULT 0, -- 0 for a rule's answer
    kind            TEXT    NOT NULL,           -- solved, rating, helpful
    rule            TEXT    NOT NULL DEFAULT '',
    team            TEXT    NOT NULL DEFAULT '',
    agent_id        TEXT    NOT NULL DEFAULT '',
    agent           TEXT    NOT NULL DEFAULT '',
    value           INTEGER NOT NULL,
    comment         TEXT,
    comment_until   INTEGER NOT NULL DEFAULT 0, -- a rating awaits its comment until then
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX feedback_once ON feedback (conversation_id, kind, handoff_id, rule);
CREATE INDEX feedback_created ON feedback (created_at);

-- +goose Down
DROP TABLE feedback;
