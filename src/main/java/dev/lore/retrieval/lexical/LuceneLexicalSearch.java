package dev.lore.retrieval.lexical;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import tools.jackson.databind.json.JsonMapper;

/** Lexical search from this instance's Lucene index of the collection, and from SQL where it cannot answer. */
public class LuceneLexicalSearch extends IndexedLexicalSearch {

    private final LuceneIndexes indexes;

    public LuceneLexicalSearch(LuceneIndexes indexes, SqlLexicalSearch sql, JdbcClient jdbc, JsonMapper json) {
        super(sql, jdbc, json);
        this.indexes = indexes;
    }

    @Override
    Optional<List<LexicalHit>> searchIndex(long collectionId, String query, Collection<String> sources,
            Collection<UUID> documents, int limit) {
        return indexes.search(collectionId, query, sources, documents, limit);
    }
}
