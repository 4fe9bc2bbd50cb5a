-- One HNSW index over every collection's chunks made each dense search filter the graph by collection (iterative
-- scans) and made every ingested chunk pay an on-disk graph insert (about 2 ms of PostgreSQL's CPU on 2 cores, three
-- times what building the same graph in bulk costs: bench/hnsw-insert-vs-build.sh). Lore now gives each collection its own partial HNSW
-- index (chunks_embedding_c<collection id>), built in bulk once the collection is large enough and its ingestion
-- backlog has drained (dev.lore.documents.VectorIndexes); smaller collections are searched exactly.
DROP INDEX IF EXISTS chunks_embedding_idx;
