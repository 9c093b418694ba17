-- +goose Up
-- Times are unix milliseconds (UTC): portable between SQLite and PostgreSQL
-- and cheap to compare in claims.

-- Every update a platform delivered, stored before the platform is told 200.
CREATE TABLE inbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    platform         TEXT    NOT NULL,
    bot              TEXT    NOT NULL,
    external_id      TEXT    NOT NULL,
    conversation_key TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    event            TEXT    NOT NULL, -- the normalized chat.Event, JSON
    raw              BLOB,             -- the payload as the platform sent it
    received_at      INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending', -- pending, done, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    claimed_by       TEXT,
    claimed_until    INTEGER,
    last_error       TEXT,
    done_at          INTEGER,
    UNIQUE (platform, bot, external_id)
);
CREATE INDEX inbox_pending ON inbox (conversation_key, id) WHERE state = 'pending';

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    platform      TEXT    NOT NULL,
    bot           TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    username      TEXT    NOT NULL DEFAULT '',
    language      TEXT    NOT NULL DEFAULT '',
    blocked       INTEGER NOT NULL DEFAULT 0,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    UNIQUE (platform, bot, external_id)
);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_key  TEXT    NOT NULL,
    platform          TEXT    NOT NULL,
    bot               TEXT    NOT NULL,
    chat_id           TEXT    NOT NULL,
    chat_type         TEXT    NOT NULL DEFAULT '',
    customer_id       INTEGER REFERENCES customers (id),
    status            TEXT    NOT NULL DEFAULT 'bot', -- bot, waiting_for_human
    started_at        INTEGER NOT NULL,
    last_customer_at  INTEGER NOT NULL,
    customer_messages INTEGER NOT NULL DEFAULT 0,
    closed_at         INTEGER
);
CREATE UNIQUE INDEX conversations_open ON conversations (conversation_key) WHERE closed_at IS NULL;

-- The conversation's history: what the customer wrote and what was sent.
CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id     INTEGER NOT NULL REFERENCES conversations (id),
    direction           TEXT    NOT NULL, -- in, out
    inbox_id            INTEGER REFERENCES inbox (id),
    outbox_id           INTEGER,
    kind                TEXT    NOT NULL,
    text                TEXT    NOT NULL DEFAULT '',
    platform_message_id TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);

-- What the rules decided for each event, and why.
CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id        INTEGER NOT NULL UNIQUE REFERENCES inbox (id),
    conversation_id INTEGER,
    outcome         TEXT    NOT NULL,
    language        TEXT    NOT NULL DEFAULT '',
    trace           TEXT,
    created_at      INTEGER NOT NULL
);

-- One row per planned action: sent on (outbox_id) or suppressed (reason).
CREATE TABLE decision_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    rule        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    outbox_id   INTEGER,
    suppressed  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX decision_actions_rule ON decision_actions (rule);

-- Messages to send. A chat's rows go out strictly in id order.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id     INTEGER,
    inbox_id            INTEGER,
    platform            TEXT    NOT NULL,
    bot                 TEXT    NOT NULL,
    chat_id             TEXT    NOT NULL,
    chat_key            TEXT    NOT NULL,
    thread_id           TEXT    NOT NULL DEFAULT '',
    reply_to            TEXT    NOT NULL DEFAULT '',
    rule                TEXT    NOT NULL DEFAULT '',
    action              TEXT    NOT NULL,
    text                TEXT    NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'pending', -- pending, sent, failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    claimed_by          TEXT,
    claimed_until       INTEGER,
    platform_message_id TEXT    NOT NULL DEFAULT '',
    last_error          TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    sent_at             INTEGER
);
CREATE INDEX outbox_pending ON outbox (chat_key, id) WHERE state = 'pending';

-- +goose Down
DROP TABLE outbox;
DROP TABLE decision_actions;
DROP TABLE decisions;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE customers;
DROP TABLE inbox;
