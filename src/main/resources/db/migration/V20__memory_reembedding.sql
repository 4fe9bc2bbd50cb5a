-- Moving an agent's memories to another embedder (dev.lore.agents.memory.MemoryReembedding): the new vectors are
-- staged beside the old ones, a batch per transaction, and swapped in with the agent's embedder in one transaction
-- holding the agent's row. The agent records which model its staged vectors are for, so that a move interrupted and
-- resumed on an instance with yet another model starts again instead of mixing two models' vectors.
ALTER TABLE memories ADD COLUMN staged_embedding vector;
ALTER TABLE agents
    ADD COLUMN staged_embedder  text,
    ADD COLUMN staged_dimension int;
