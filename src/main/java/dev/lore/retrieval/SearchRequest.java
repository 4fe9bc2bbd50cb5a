package dev.lore.retrieval;

/** A validated search: which collection, what to look for, how, and how many results. */
public record SearchRequest(String collection, String query, int topK, SearchMode mode, SearchFilter filter,
        int candidates, boolean explain) {

    public static final int MAX_TOP_K = 100;
    public static final int MAX_CANDIDATES = 1000;
    public static final int MAX_QUERY_CHARS = 4000;

    public SearchRequest {
        if (collection == null || collection.isBlank()) {
            throw new IllegalArgumentException("collection is required");
        }
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("query must not be blank");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw new IllegalArgumentException("query is longer than " + MAX_QUERY_CHARS + " characters");
        }
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("topK must be between 1 and " + MAX_TOP_K);
        }
        if (candidates < topK || candidates > MAX_CANDIDATES) {
            throw new IllegalArgumentException("candidates must be between topK and " + MAX_CANDIDATES);
        }
    }
}
