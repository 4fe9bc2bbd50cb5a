package dev.lore.answers;

import dev.lore.answers.flare.FlareSettings;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchFilter;
import dev.lore.web.LoreException;

/**
 * A validated question to answer from one collection; {@code extractive} asks for quoted sentences instead of a
 * generator's answer, {@code flare} holds the FLARE settings (the defaults merged with the request's), and
 * {@code minSupport} (evaluations calibrate it) replaces {@code lore.answers.min-support} when set; 0 turns off every
 * refusal made without a model, the unstated figure's included.
 */
public record AnswerRequest(String collection, String question, Strategy strategy, int topK, RerankMode rerank,
        SearchFilter filter, boolean extractive, FlareSettings flare, Double minSupport) {

    /** A request that refuses at the configured support threshold. */
    public AnswerRequest(String collection, String question, Strategy strategy, int topK, RerankMode rerank,
            SearchFilter filter, boolean extractive, FlareSettings flare) {
        this(collection, question, strategy, topK, rerank, filter, extractive, flare, null);
    }

    public static final int MAX_TOP_K = 50;

    public AnswerRequest {
        if (collection == null || collection.isBlank()) {
            throw LoreException.invalid("collection is required");
        }
        if (question == null || question.isBlank()) {
            throw LoreException.invalid("question must not be empty or whitespace");
        }
        question = question.strip();
        if (topK < 1 || topK > MAX_TOP_K) {
            throw LoreException.invalid("topK must be between 1 and " + MAX_TOP_K + ", was " + topK);
        }
        strategy = strategy == null ? Strategy.SINGLE : strategy;
        rerank = rerank == null ? RerankMode.NONE : rerank;
        filter = filter == null ? SearchFilter.NONE : filter;
        // written so that NaN, which compares false with everything, is refused too
        if (minSupport != null && !(minSupport >= 0 && minSupport <= 1)) {
            throw LoreException.invalid("minSupport must be between 0 and 1, was " + minSupport);
        }
    }
}
