package dev.lore.retrieval.lexical;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

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
}
