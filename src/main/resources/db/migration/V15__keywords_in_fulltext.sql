-- A document's keywords (Markdown front matter, or "keywords" in its upload metadata) join every one of its chunks'
-- full-text vectors, weighted like the title. Authors write them for search: the 18F handbook's leave page lists
-- "vacation", a word its annual-leave section never uses, so "how many vacation days do I get?" found that section
-- by meaning alone; reciprocal rank fusion favours chunks that both lists hold, and hybrid search ranked it out of
-- the top 5. The document row is stored before its chunks, in the same transaction.
CREATE OR REPLACE FUNCTION chunks_fulltext() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keywords text;
BEGIN
    SELECT left(d.metadata ->> 'keywords', 2000) INTO keywords FROM documents d WHERE d.id = NEW.document_id;
    NEW.tsv := setweight(to_tsvector('english', NEW.title || ' ' || NEW.heading_path || ' ' || coalesce(keywords, '')),
                         'B') ||
               setweight(to_tsvector('english', NEW.text), 'A');
    NEW.tsv_length := length(NEW.tsv);
    RETURN NEW;
END
$$;

-- existing chunks of documents with keywords, and the collections' lexical statistics that follow from them
UPDATE chunks c SET title = c.title FROM documents d WHERE d.id = c.document_id AND d.metadata ? 'keywords';
UPDATE collections c SET lexeme_total = s.total
FROM (SELECT collection_id, coalesce(sum(tsv_length), 0) AS total FROM chunks GROUP BY 1) s
WHERE s.collection_id = c.id;
