package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.web.LoreException;

/**
 * Narrows a search to some sources, documents, or documents whose metadata contains the given fields. As JSON (the
 * explain trace) it uses the request's own names: {@code source}, {@code documentId}, {@code metadata}.
 */
public record SearchFilter(@JsonProperty("source") List<String> sources,
        @JsonProperty("documentId") List<UUID> documentIds, Map<String, Object> metadata) {

    public static final SearchFilter NONE = new SearchFilter(List.of(), List.of(), Map.of());

    private static final Set<String> KEYS = Set.of("source", "documentId", "metadata");

    public SearchFilter {
        sources = List.copyOf(sources);
        documentIds = List.copyOf(documentIds);
        metadata.forEach((field, value) -> {
            if (value == null) {
                throw LoreException.invalid("filter.metadata." + field + " is null: a metadata filter matches "
                        + "documents whose field holds the given value; leave the field out to match any value");
            }
        });
        metadata = Map.copyOf(metadata);
    }

    public boolean isEmpty() {
        return sources.isEmpty() && documentIds.isEmpty() && metadata.isEmpty();
    }

    /**
     * Reads a request's {@code filter} object ({@code source}, {@code documentId}: a string or a list of them;
     * {@code metadata}: an object), or a 400 naming what is wrong.
     */
    public static SearchFilter fromJson(Map<String, Object> filter) {
        if (filter == null || filter.isEmpty()) {
            return SearchFilter.NONE;
        }
        for (String key : filter.keySet()) {
            if (!KEYS.contains(key)) {
                throw LoreException.invalid("Unknown filter '" + key + "' (expected source, documentId or metadata)");
            }
        }
        List<String> sources = strings(filter.get("source"), "filter.source");
        List<UUID> documents = new ArrayList<>();
        for (String id : strings(filter.get("documentId"), "filter.documentId")) {
            try {
                documents.add(UUID.fromString(id));
            }
            catch (IllegalArgumentException e) {
                throw LoreException.invalid("filter.documentId '" + id + "' is not a UUID");
            }
        }
        Object metadata = filter.get("metadata");
        if (metadata != null && !(metadata instanceof Map)) {
            throw LoreException.invalid("filter.metadata must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> metadataMap = metadata == null ? Map.of() : (Map<String, Object>) metadata;
        return new SearchFilter(sources, documents, metadataMap);
    }

    private static List<String> strings(Object value, String name) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw LoreException.invalid(name + " must be a string or a list of strings");
    }
}
