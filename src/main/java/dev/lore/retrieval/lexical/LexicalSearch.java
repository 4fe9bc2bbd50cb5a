package dev.lore.retrieval.lexical;

import java.util.List;

import dev.lore.retrieval.SearchFilter;

/**
 * Lexical (BM25) search over one collection's chunks: the port every lexical engine fills (PostgreSQL's full text,
 * a Lucene index per collection), so that callers never learn which one ran. An engine that cannot answer
 * correctly (its index missing or behind PostgreSQL) answers through another that can.
 */
public interface LexicalSearch {

    /** The best {@code limit} chunks of the collection for {@code query} that pass {@code filter}, best first. */
    List<LexicalHit> search(long collectionId, String query, SearchFilter filter, int limit);
}
