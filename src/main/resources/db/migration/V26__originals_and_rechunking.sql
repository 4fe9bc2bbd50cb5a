-- A document's original bytes, kept so that its chunks can be rebuilt when parsing or chunking improves. A table of
-- its own, not a column of documents: listing documents never reads (or de-TOASTs) the bytes. Written in the same
-- transaction as the document and its chunks, and gone with the document.
CREATE TABLE document_originals (
    document_id uuid  PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    media_type  text  NOT NULL,
    bytes       bytea NOT NULL
);

-- Rebuilding a collection's chunks, claimed like re-embedding jobs (token, heartbeat, attempts). New chunks and
-- their vectors are staged per document in short transactions, then swapped in for every staged document in one
-- transaction under the collection row's lock, so searches see the old chunks or the new ones, never a mix.
CREATE TABLE rechunkings (
    id              uuid        PRIMARY KEY,
    collection_id   bigint      NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    embedder        text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    documents_total bigint      NOT NULL DEFAULT 0,
    documents_done  bigint      NOT NULL DEFAULT 0,
    from_originals  bigint      NOT NULL DEFAULT 0,
    from_chunk_text bigint      NOT NULL DEFAULT 0,
    error           text,
    claim_token     uuid,
    heartbeat_at    timestamptz,
    attempts        int         NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz
);
-- one active job a collection
CREATE UNIQUE INDEX rechunkings_active_idx ON rechunkings (collection_id) WHERE status IN ('QUEUED', 'RUNNING');

-- A document whose new chunks are staged; chunks = 0 keeps its current ones (nothing could be rebuilt). A document
-- deleted during the job takes its staged rows with it, so the swap cannot bring it back.
CREATE TABLE rechunked_documents (
    rechunking_id uuid NOT NULL REFERENCES rechunkings (id) ON DELETE CASCADE,
    document_id   uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    chunks        int  NOT NULL,
    PRIMARY KEY (rechunking_id, document_id)
);
CREATE INDEX rechunked_documents_document_idx ON rechunked_documents (document_id);

CREATE TABLE rechunked_chunks (
    rechunking_id uuid   NOT NULL,
    document_id   uuid   NOT NULL,
    ordinal       int    NOT NULL,
    heading_path  text   NOT NULL,
    text          text   NOT NULL,
    embedding     vector NOT NULL,
    PRIMARY KEY (rechunking_id, document_id, ordinal),
    FOREIGN KEY (rechunking_id, document_id) REFERENCES rechunked_documents (rechunking_id, document_id)
        ON DELETE CASCADE
);
