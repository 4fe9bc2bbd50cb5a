package dev.lore.retrieval;

import dev.lore.web.LoreException;

/**
 * HyDE for one search: how many hypothetical passages to generate, whether the query's own embedding joins their
 * average (the paper's v = (f(q) + Σ f(d_k)) / (N + 1)), and which prompt writes them ({@code null}: the
 * collection's configured prompt, else {@code hyde}).
 */
public record HydeSettings(int documents, boolean includeQuery, String prompt) {

    public static final int MAX_DOCUMENTS = 16;

    public HydeSettings {
        if (documents < 1 || documents > MAX_DOCUMENTS) {
            throw LoreException.invalid("hyde.documents must be between 1 and " + MAX_DOCUMENTS);
        }
        if (prompt != null && !prompt.matches("hyde(-[a-z0-9-]+)?")) {
            throw LoreException.invalid("hyde.prompt must name a HyDE prompt such as 'hyde' or 'hyde-scientific'");
        }
    }
}
