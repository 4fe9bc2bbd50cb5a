-- Remote embedders make vectors of other sizes than 384 (768, 1024, 1536, 3072...), and each collection records its
-- embedder and dimension. chunks.embedding becomes an untyped vector, so one table holds every collection whatever
-- its model. A typed column per dimension (or a table per dimension) would multiply every query, trigger and
-- re-embedding path by the number of sizes in use; pgvector instead indexes an untyped column through an
-- expression that casts it to the collection's size, and Lore already gives every collection its own partial index
-- (V7): chunks_embedding_c<id> ON chunks USING hnsw ((embedding::vector(<dimension>)) vector_cosine_ops)
-- WHERE collection_id = <id>. Dense search orders by the same expression, so the planner matches the index. A
-- collection's vectors never mix sizes: its dimension is fixed when it is created, ingestion stores only vectors
-- of the collection's embedder, and re-embedding swaps all of them at once.
--
-- The per-collection indexes on the typed column cannot survive the change of type (HNSW needs a dimension), so they
-- are dropped here; dev.lore.documents.VectorIndexes builds them again, by their new expression, on its next pass.
DO $$
DECLARE
    index_name text;
BEGIN
    FOR index_name IN
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'chunks'::regclass AND c.relname LIKE 'chunks\_embedding\_c%'
    LOOP
        EXECUTE format('DROP INDEX %I', index_name);
    END LOOP;
END $$;

-- dropping the type modifier keeps the stored bytes: no rewrite of the table
ALTER TABLE chunks ALTER COLUMN embedding TYPE vector;

-- How dense search runs in the collection: 'full' (the HNSW graph over whole vectors), 'binary' (a graph over
-- binary_quantize(embedding) by Hamming distance, its candidates re-scored with the whole vectors) or
-- 'matryoshka:<dims>' (a graph over the first <dims> dimensions, re-scored likewise), and how many candidates the
-- first stage of a two-stage search passes on (NULL: Lore's default, lore.vector-index.candidates).
ALTER TABLE collections
    ADD COLUMN dense_search text NOT NULL DEFAULT 'full',
    ADD COLUMN dense_candidates int CHECK (dense_candidates IS NULL OR dense_candidates > 0);
