package dev.lore.retrieval.lexical;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.SearchFilter;

import tools.jackson.databind.json.JsonMapper;

/** A search filter as SQL conditions on {@code chunks} (each starting with {@code AND}) and their parameters. */
public record SqlFilter(String sql, Map<String, Object> params) {

    public static SqlFilter of(SearchFilter filter, JsonMapper json) {
        if (filter.isEmpty()) {
            return new SqlFilter("", Map.of());
        }
        StringBuilder sql = new StringBuilder();
        Map<String, Object> params = new HashMap<>();
        if (!filter.sources().isEmpty()) {
            sql.append(" AND source = ANY(:sources)");
            params.put("sources", filter.sources().toArray(String[]::new));
        }
        if (!filter.documentIds().isEmpty()) {
            sql.append(" AND document_id = ANY(:documentIds)");
            params.put("documentIds", filter.documentIds().toArray(UUID[]::new));
        }
        if (!filter.metadata().isEmpty()) {
            // metadata lives once per document, not on its chunks
            sql.append(" AND document_id IN (SELECT id FROM documents WHERE metadata @> CAST(:metadata AS jsonb))");
            params.put("metadata", json.writeValueAsString(filter.metadata()));
        }
        return new SqlFilter(sql.toString(), params);
    }

    /**
     * The documents of the collection a filter's document ids and metadata let through, for a search in an index
     * derived from PostgreSQL, or null where the filter names neither (any document). Metadata lives once per
     * document, can change without touching chunks, and is a short indexed query: it is resolved here, so an index
     * holds only chunk, document and source ids beside what it searches.
     */
    public static Set<UUID> documents(JdbcClient jdbc, JsonMapper json, long collectionId, SearchFilter filter) {
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
        return documents;
    }
}
