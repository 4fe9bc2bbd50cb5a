-- Chat sessions belong to the key that created them (key_id); a collection's deletion takes its sessions along.
-- A session and its two messages are written together once an answer is complete, so a failed or abandoned
-- stream leaves nothing behind; feedback is kept on the answer it rates.
CREATE TABLE chat_sessions (
    id            uuid        PRIMARY KEY,
    key_id        text        NOT NULL,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    title         text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX chat_sessions_by_key ON chat_sessions (key_id, updated_at DESC);

CREATE TABLE chat_messages (
    id               uuid        PRIMARY KEY,
    session_id       uuid        NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    position         integer     NOT NULL,
    role             text        NOT NULL CHECK (role IN ('user', 'assistant')),
    content          text        NOT NULL,
    citations        jsonb       NOT NULL DEFAULT '[]',
    retrievals       jsonb       NOT NULL DEFAULT '[]',
    feedback_rating  text        CHECK (feedback_rating IN ('up', 'down')),
    feedback_comment text,
    feedback_at      timestamptz,
    created_at       timestamptz NOT NULL,
    UNIQUE (session_id, position)
);

CREATE INDEX chat_messages_feedback ON chat_messages (feedback_at) WHERE feedback_rating IS NOT NULL;
