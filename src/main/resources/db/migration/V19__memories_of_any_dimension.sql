-- Agents' memories take vectors of any size, as chunks do since V18: memories.embedding becomes an untyped vector
-- and each agent records the embedder (name and dimension) that made its memories. The owner is the agent, not the
-- simulation: a memory belongs to one agent's stream (memories.agent_id), retrieval only ever compares an agent's
-- memories with each other and with a query, and the stream's other running facts (memory_count,
-- importance_since_reflection) already live on the agent's row, which every insert updates.
--
-- Agents made before this migration have 384-dimension memories of an embedder Lore did not record (any of the
-- in-process ones): their embedder is NULL, meaning "unknown, of this dimension", and the first instance of that
-- dimension that stores a memory for them records its own. An agent without memories takes whatever embedder the
-- instance runs when it is next given one.
ALTER TABLE agents
    ADD COLUMN embedder  text,
    ADD COLUMN dimension int NOT NULL DEFAULT 384 CHECK (dimension > 0);
ALTER TABLE agents ALTER COLUMN dimension DROP DEFAULT;

-- HNSW needs a dimension: the index on vector(384) cannot survive the change of type.
DROP INDEX IF EXISTS memories_embedding_idx;

-- dropping the type modifier keeps the stored bytes: no rewrite of the table
ALTER TABLE memories ALTER COLUMN embedding TYPE vector;

-- The vector pool of MemoryStream's pooled retrieval is served by one partial HNSW index per dimension in use,
-- memories_embedding_d<dimension> ON memories USING hnsw ((embedding::vector(<dimension>)) vector_cosine_ops)
-- WHERE vector_dims(embedding) = <dimension>, built by dev.lore.agents.memory.MemoryIndexes for the configured
-- embedder's dimension (the 384 one too, on its first pass: building it here would hold the migration for minutes
-- over a large table). Per dimension rather than per agent or per embedder: an agent's stream is far smaller than a
-- collection and there are many agents, a handful of sizes cover every model in use, and the predicate, unlike an
-- embedder's name, is a property of the row the index can check itself. The retrieval filters by agent and orders
-- by the same expression with the dimension written into the SQL, so the planner matches the index.
