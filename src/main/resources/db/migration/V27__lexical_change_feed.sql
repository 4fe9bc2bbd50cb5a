-- The change feed that keeps each instance's Lucene indexes (derived, one per collection) in step with chunks.
-- Statement-level triggers write one row per chunk inserted, deleted or changed in what lexical search reads, inside
-- the writing transaction: ingestion, re-embedding, rechunking, deletes, a bulk load or a restore all appear, and an
-- aborted transaction leaves nothing. A row names the chunk only: an instance re-reads the chunk (or finds it gone)
-- when it applies the row, so rows may be applied in any order and more than once.
--
-- xid is the writing transaction's id. A bigserial id is drawn before its transaction commits, so ids commit out of
-- order; an instance applies only rows below the oldest transaction still in flight
-- (pg_snapshot_xmin(pg_current_snapshot())): every transaction below it has ended, so every row it wrote is visible
-- and none will appear later. That xmin is the position an index records in its own commit data.
CREATE TABLE lexical_changes (
    id            bigserial   PRIMARY KEY,
    xid           bigint      NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    collection_id bigint      NOT NULL,
    chunk_id      uuid        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lexical_changes_collection_xid_idx ON lexical_changes (collection_id, xid);
CREATE INDEX lexical_changes_xid_idx ON lexical_changes (xid);

-- The instances that apply the feed: each one's heartbeat and the lowest position of its indexes. Rows below every
-- live instance's position are pruned, and so are rows older than the configured age.
CREATE TABLE lexical_indexers (
    instance_id  text        PRIMARY KEY,
    position     bigint      NOT NULL,
    heartbeat_at timestamptz NOT NULL
);

-- Rows of transactions below this xid may be pruned already: an index whose position is below it rebuilds.
CREATE TABLE lexical_feed_floor (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    below bigint  NOT NULL
);
INSERT INTO lexical_feed_floor (below) VALUES (0);

CREATE FUNCTION chunks_lexical_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lexical_changes (collection_id, chunk_id) SELECT collection_id, id FROM inserted;
    RETURN NULL;
END
$$;

-- A collection deleted whole takes its chunks by cascade after its own row is gone: its index is dropped instead
-- of emptied chunk by chunk, so those rows are not written.
CREATE FUNCTION chunks_lexical_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lexical_changes (collection_id, chunk_id)
    SELECT d.collection_id, d.id FROM deleted d WHERE EXISTS (SELECT 1 FROM collections c WHERE c.id = d.collection_id);
    RETURN NULL;
END
$$;

-- Only what lexical search reads: a re-embedding rewrites every vector and must not flood the feed. tsv covers the
-- document's keywords (V15), touched through title.
CREATE FUNCTION chunks_lexical_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lexical_changes (collection_id, chunk_id)
    SELECT n.collection_id, n.id FROM updated_new n JOIN updated_old o ON o.id = n.id
    WHERE (n.collection_id, n.document_id, n.source, n.title, n.heading_path, n.text, n.tsv)
          IS DISTINCT FROM (o.collection_id, o.document_id, o.source, o.title, o.heading_path, o.text, o.tsv);
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_lexical_inserted AFTER INSERT ON chunks REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_inserted();
CREATE TRIGGER chunks_lexical_deleted AFTER DELETE ON chunks REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_deleted();
CREATE TRIGGER chunks_lexical_updated AFTER UPDATE ON chunks REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new
    FOR EACH STATEMENT EXECUTE FUNCTION chunks_lexical_updated();
