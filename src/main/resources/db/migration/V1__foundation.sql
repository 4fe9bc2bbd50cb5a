-- Lore's foundation schema: collections, documents and their chunks, ingestion jobs, API keys.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE collections (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    description text        NOT NULL DEFAULT '',
    embedder    text        NOT NULL,
    dimension   int         NOT NULL,
    created_at  timestamptz NOT NULL
);

-- A document row exists only once all of its chunks are committed with it (one transaction).
CREATE TABLE documents (
    id            uuid        PRIMARY KEY,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    source        text        NOT NULL,
    title         text        NOT NULL,
    sha256        text        NOT NULL,
    media_type    text        NOT NULL,
    metadata      jsonb       NOT NULL DEFAULT '{}',
    chunks        int         NOT NULL,
    created_at    timestamptz NOT NULL,
    UNIQUE (collection_id, sha256)
);

CREATE TABLE chunks (
    id            uuid        PRIMARY KEY,
    document_id   uuid        NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    ordinal       int         NOT NULL,
    source        text        NOT NULL,
    title         text        NOT NULL,
    heading_path  text        NOT NULL DEFAULT '',
    text          text        NOT NULL,
    metadata      jsonb       NOT NULL DEFAULT '{}',
    embedding     vector(384) NOT NULL,
    tsv           tsvector    GENERATED ALWAYS AS (
                      setweight(to_tsvector('english', title || ' ' || heading_path), 'B') ||
                      setweight(to_tsvector('english', text), 'A')) STORED
);
CREATE INDEX chunks_document_idx ON chunks (document_id);
CREATE INDEX chunks_collection_idx ON chunks (collection_id);
CREATE INDEX chunks_source_idx ON chunks (collection_id, source);
CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);

CREATE TABLE ingestions (
    id            uuid        PRIMARY KEY,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL
);

-- One uploaded document waiting for, under or past processing. The payload is dropped once processed.
CREATE TABLE ingestion_items (
    id            bigserial   PRIMARY KEY,
    ingestion_id  uuid        NOT NULL REFERENCES ingestions (id) ON DELETE CASCADE,
    collection_id bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    document_id   uuid        NOT NULL,
    source        text        NOT NULL,
    title         text,
    media_type    text        NOT NULL,
    sha256        text        NOT NULL,
    metadata      jsonb       NOT NULL DEFAULT '{}',
    payload       bytea,
    status        text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    duplicate     boolean     NOT NULL DEFAULT false,
    chunks        int         NOT NULL DEFAULT 0,
    error         text,
    claimed_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX ingestion_items_ingestion_idx ON ingestion_items (ingestion_id);
CREATE INDEX ingestion_items_queued_idx ON ingestion_items (id) WHERE status IN ('QUEUED', 'RUNNING');

CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    key_hash    text        NOT NULL UNIQUE,
    admin       boolean     NOT NULL DEFAULT false,
    collections text[]      NOT NULL DEFAULT '{}',
    permissions text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
