-- Re-embedding ran as one transaction on the request thread, holding the collection's advisory lock for its whole
-- length: uploads queued behind it each holding a pool connection, index builds waited, and an instance still on
-- the old model could commit old vectors into the re-embedded collection. It is now a background job, claimed like
-- ingestion items (token, heartbeat, attempts): new vectors are staged in short transactions, then swapped in
-- with the collection's model in one transaction that locks the collection row (ingestion commits check the
-- model under the same lock), so searches still see the old vectors or the new ones, never a mix.
CREATE TABLE reembeddings (
    id            uuid        PRIMARY KEY,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    from_embedder text        NOT NULL,
    to_embedder   text        NOT NULL,
    dimension     int         NOT NULL,
    status        text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    chunks_total  bigint      NOT NULL DEFAULT 0,
    chunks_done   bigint      NOT NULL DEFAULT 0,
    error         text,
    claim_token   uuid,
    heartbeat_at  timestamptz,
    attempts      int         NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz
);
-- one active job a collection
CREATE UNIQUE INDEX reembeddings_active_idx ON reembeddings (collection_id) WHERE status IN ('QUEUED', 'RUNNING');

CREATE TABLE reembedded_vectors (
    reembedding_id uuid   NOT NULL REFERENCES reembeddings (id) ON DELETE CASCADE,
    chunk_id       uuid   NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    embedding      vector NOT NULL,
    PRIMARY KEY (reembedding_id, chunk_id)
);
CREATE INDEX reembedded_vectors_chunk_idx ON reembedded_vectors (chunk_id);
