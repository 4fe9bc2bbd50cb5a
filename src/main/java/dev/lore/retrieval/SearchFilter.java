package dev.lore.retrieval;

import java.util.List;
import java.util.Map;
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
}
