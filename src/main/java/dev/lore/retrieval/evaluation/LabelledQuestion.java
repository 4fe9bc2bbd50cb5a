package dev.lore.retrieval.evaluation;

import java.util.Set;

import dev.lore.web.LoreException;

/** A question and the documents that answer it, named by source (e.g. {@code leave.md}) or document id. */
public record LabelledQuestion(String id, String query, Set<String> relevant) {

    public LabelledQuestion {
        if (query == null || query.isBlank()) {
            throw LoreException.invalid("every question needs a query");
        }
        if (relevant == null || relevant.isEmpty()) {
            throw LoreException.invalid("question '" + (id == null ? query : id)
                    + "' names no relevant document");
        }
        relevant = Set.copyOf(relevant);
    }
}
