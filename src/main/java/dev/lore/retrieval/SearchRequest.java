package dev.lore.retrieval;

import dev.lore.web.LoreException;

/**
 * A validated search: which collection, what to look for, how, and how many results; {@code hyde} is {@code null}
 * when off, and the reranker reorders the best {@code rerankCandidates} fused results.
 */
public record SearchRequest(String collection, String query, int topK, SearchMode mode, SearchFilter filter,
        int candidates, boolean explain, HydeSettings hyde, RerankMode rerank, int rerankCandidates) {

    public static final int MAX_RERANK_CANDIDATES = 200;

    /** A plain search: no HyDE, no reranking. */
    public SearchRequest(String collection, String query, int topK, SearchMode mode, SearchFilter filter,
            int candidates, boolean explain) {
        this(collection, query, topK, mode, filter, candidates, explain, null, RerankMode.NONE, topK);
    }

    public static final int MAX_TOP_K = 100;
    public static final int MAX_CANDIDATES = 1000;
    public static final int MAX_QUERY_CHARS = 4000;

    public SearchRequest {
        if (collection == null || collection.isBlank()) {
            throw LoreException.invalid("collection is required");
        }
        if (query == null || query.isBlank()) {
            throw LoreException.invalid("query must not be blank");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw LoreException.invalid("query is longer than " + MAX_QUERY_CHARS + " characters");
        }
        if (topK < 1 || topK > MAX_TOP_K) {
            throw LoreException.invalid("topK must be between 1 and " + MAX_TOP_K);
        }
        if (candidates < topK || candidates > MAX_CANDIDATES) {
            throw LoreException.invalid("candidates must be between topK and " + MAX_CANDIDATES);
        }
        rerank = rerank == null ? RerankMode.NONE : rerank;
        filter = filter == null ? SearchFilter.NONE : filter;
        if (rerank != RerankMode.NONE && (rerankCandidates < topK || rerankCandidates > MAX_RERANK_CANDIDATES)) {
            throw LoreException.invalid("rerankCandidates must be between topK and " + MAX_RERANK_CANDIDATES);
        }
        if (hyde != null && mode == SearchMode.LEXICAL) {
            throw LoreException.invalid("hyde needs a dense or hybrid search: lexical search uses no vectors");
        }
    }
}
