package dev.lore.retrieval;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Narrows a search to some sources, documents, or documents whose metadata contains the given fields. */
public record SearchFilter(List<String> sources, List<UUID> documentIds, Map<String, Object> metadata) {

    public static final SearchFilter NONE = new SearchFilter(List.of(), List.of(), Map.of());

    public SearchFilter {
        sources = List.copyOf(sources);
        documentIds = List.copyOf(documentIds);
        metadata = Map.copyOf(metadata);
    }

    public boolean isEmpty() {
        return sources.isEmpty() && documentIds.isEmpty() && metadata.isEmpty();
    }
}
