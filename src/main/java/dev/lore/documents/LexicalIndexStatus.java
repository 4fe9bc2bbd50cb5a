package dev.lore.documents;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a collection's lexical search is served in this instance, for the collection's view. The retrieval module,
 * which owns lexical search, fills it; a collection's view shows none where no engine says anything.
 */
public interface LexicalIndexStatus {

    View of(long collectionId);

    /**
     * {@code engine}: {@code sql}, {@code lucene} or {@code opensearch}; for an index, {@code state}: {@code missing}
     * (not built yet), {@code building}, {@code rebuilding} (a reindex was requested: the old index answers until the
     * new one is in place), {@code catching-up}, {@code ready} or {@code failed} (with {@code error}), the chunks the
     * index holds, the changes it has not applied yet and the age of the oldest of them. Lexical search of a
     * collection whose index is not ready runs in PostgreSQL (correct, slower).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record View(String engine, String state, Long indexedChunks, Long pendingChanges, Double lagSeconds,
            String error) {
    }
}
