package dev.lore.retrieval.lexical;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.SearchFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * Lexical search from an index derived from PostgreSQL (Lucene's in this instance, or OpenSearch's), and from SQL
 * wherever the index cannot answer correctly now (missing, building, failed, or behind the change feed). A metadata
 * filter is resolved in PostgreSQL first, to the matching documents (metadata lives once per document, can change
 * without touching chunks, and is a short indexed query), so an index holds only chunk, document and source ids
 * beside the text.
 */
abstract class IndexedLexicalSearch implements LexicalSearch {

    private final SqlLexicalSearch sql;
    private final JdbcClient jdbc;
    private final JsonMapper json;

    IndexedLexicalSearch(SqlLexicalSearch sql, JdbcClient jdbc, JsonMapper json) {
        this.sql = sql;
        this.jdbc = jdbc;
        this.json = json;
    }

    /**
     * The collection's best chunks for {@code query} from the index, or nothing where it cannot answer correctly now.
     * {@code documents}: only these documents (null: any).
     */
    abstract Optional<List<LexicalHit>> searchIndex(long collectionId, String query, Collection<String> sources,
            Collection<UUID> documents, int limit);

    @Override
    public List<LexicalHit> search(long collectionId, String query, SearchFilter filter, int limit) {
        Set<UUID> documents = null;
        if (!filter.documentIds().isEmpty()) {
            documents = new LinkedHashSet<>(filter.documentIds());
        }
        if (!filter.metadata().isEmpty()) {
            Set<UUID> matching = new LinkedHashSet<>(jdbc.sql("""
                    SELECT id FROM documents WHERE collection_id = :collection AND metadata @> CAST(:metadata AS jsonb)""")
                    .param("collection", collectionId).param("metadata", json.writeValueAsString(filter.metadata()))
                    .query(UUID.class).list());
            if (documents != null) {
                matching.retainAll(documents);
            }
            documents = matching;
        }
        if (documents != null && documents.isEmpty()) {
            return List.of();
        }
        Optional<List<LexicalHit>> hits = searchIndex(collectionId, query, filter.sources(), documents, limit);
        return hits.orElseGet(() -> sql.search(collectionId, query, filter, limit));
    }
}
