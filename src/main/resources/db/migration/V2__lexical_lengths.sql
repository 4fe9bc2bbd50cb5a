-- Document length for BM25: the number of distinct lexemes of the chunk's full-text vector, stored so that a
-- search never has to detoast every tsvector of a collection to compute the average length.
ALTER TABLE chunks ADD COLUMN tsv_length int GENERATED ALWAYS AS (length(
    setweight(to_tsvector('english', title || ' ' || heading_path), 'B') ||
    setweight(to_tsvector('english', text), 'A'))) STORED;
