-- V1 and V2 spelled the full-text expression twice (the vector and its length), so every chunk was analysed twice
-- and the two could drift apart. One trigger now computes the vector once and takes its length from it.
ALTER TABLE chunks ALTER COLUMN tsv DROP EXPRESSION;
ALTER TABLE chunks ALTER COLUMN tsv_length DROP EXPRESSION;

CREATE FUNCTION chunks_fulltext() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tsv := setweight(to_tsvector('english', NEW.title || ' ' || NEW.heading_path), 'B') ||
               setweight(to_tsvector('english', NEW.text), 'A');
    NEW.tsv_length := length(NEW.tsv);
    RETURN NEW;
END
$$;

CREATE TRIGGER chunks_fulltext BEFORE INSERT OR UPDATE OF title, heading_path, text ON chunks
    FOR EACH ROW EXECUTE FUNCTION chunks_fulltext();
