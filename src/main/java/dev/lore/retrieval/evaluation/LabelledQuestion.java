package dev.lore.retrieval.evaluation;

import java.util.Set;

/** A question and the documents that answer it, named by source (e.g. {@code leave.md}) or document id. */
public record LabelledQuestion(String id, String query, Set<String> relevant) {

    public LabelledQuestion {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("every question needs a query");
        }
        if (relevant == null || relevant.isEmpty()) {
            throw new IllegalArgumentException("question '" + (id == null ? query : id)
                    + "' names no relevant document");
        }
        relevant = Set.copyOf(relevant);
    }
}
