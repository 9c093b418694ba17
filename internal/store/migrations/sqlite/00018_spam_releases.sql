-- +goose Up
-- Messages ignored as spam that an operator released as not spam (issue 22,
-- frontdesk spam --release): one row per released event, so it is
-- released once, and the report counts false positives per rule. rule is
-- the rule that ignored it ('' when only its type said spam); answer_id is
-- the inbox event that answers it late. No foreign keys: the history is
-- pruned on its own schedule.
CREATE TABLE spam_releases (
    inbox_id    INTEGER PRIMARY KEY,
    rule        TEXT    NOT NULL,
    answer_id   INTEGER NOT NULL,
    released_by TEXT    NOT NULL DEFAULT '',
    released_at INTEGER NOT NULL
);
CREATE INDEX spam_releases_at ON spam_releases (released_at);

-- +goose Down
DROP TABLE spam_releases;
