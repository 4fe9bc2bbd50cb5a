package dev.lore.answers.flare;

import java.util.Locale;

import dev.lore.web.LoreException;

/**
 * FLARE for one answer: keep a look-ahead whose every token has probability ≥ {@code threshold}, else retrieve with
 * a query built from it ({@code maskBelow}: tokens below it are masked, or become spans to ask about), at most
 * {@code maxRetrievals} times, each bringing the top {@code documents}. In {@code questions} mode one look-ahead asks
 * about at most {@code questionsPerSentence} spans (its least confident), and one answer makes at most
 * {@code maxSearches} searches in all (each question costs a model call and a search), so a look-ahead full of unsure
 * tokens cannot turn into hundreds of calls.
 */
public record FlareSettings(double threshold, double maskBelow, QueryMode query, int lookaheadTokens,
        int maxRetrievals, int documents, int questionsPerSentence, int maxSearches) {

    public static final int MAX_LOOKAHEAD_TOKENS = 256;
    public static final int MAX_RETRIEVALS = 32;
    public static final int MAX_DOCUMENTS = 20;
    public static final int MAX_QUESTIONS_PER_SENTENCE = 8;
    public static final int MAX_SEARCHES = 64;

    /** The settings before {@code questionsPerSentence} (3) and {@code maxSearches} (12) were. */
    public FlareSettings(double threshold, double maskBelow, QueryMode query, int lookaheadTokens, int maxRetrievals,
            int documents) {
        this(threshold, maskBelow, query, lookaheadTokens, maxRetrievals, documents, 3, 12);
    }

    /** How a low-confidence look-ahead becomes a search: masked (implicit) or generated questions (explicit). */
    public enum QueryMode {
        MASKED, QUESTIONS;

        public static QueryMode parse(String value) {
            if (value == null) {
                return MASKED;
            }
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "masked" -> MASKED;
                case "questions" -> QUESTIONS;
                default -> throw LoreException.invalid(
                        "flare.query must be masked or questions, not '" + value + "'");
            };
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FlareSettings {
        if (!(threshold > 0 && threshold < 1)) {
            throw LoreException.invalid("flare.threshold must be in (0, 1), was " + threshold);
        }
        if (!(maskBelow > 0 && maskBelow < 1)) {
            throw LoreException.invalid("flare.maskBelow must be in (0, 1), was " + maskBelow);
        }
        if (query == null) {
            throw LoreException.invalid("flare.query must be masked or questions");
        }
        if (lookaheadTokens < 1 || lookaheadTokens > MAX_LOOKAHEAD_TOKENS) {
            throw LoreException.invalid("flare.lookaheadTokens must be between 1 and " + MAX_LOOKAHEAD_TOKENS
                    + ", was " + lookaheadTokens);
        }
        if (maxRetrievals < 0 || maxRetrievals > MAX_RETRIEVALS) {
            throw LoreException.invalid("flare.maxRetrievals must be between 0 and " + MAX_RETRIEVALS
                    + ", was " + maxRetrievals);
        }
        if (documents < 1 || documents > MAX_DOCUMENTS) {
            throw LoreException.invalid("flare.documents must be between 1 and " + MAX_DOCUMENTS
                    + ", was " + documents);
        }
        if (questionsPerSentence < 1 || questionsPerSentence > MAX_QUESTIONS_PER_SENTENCE) {
            throw LoreException.invalid("flare.questionsPerSentence must be between 1 and "
                    + MAX_QUESTIONS_PER_SENTENCE + ", was " + questionsPerSentence);
        }
        if (maxSearches < 0 || maxSearches > MAX_SEARCHES) {
            throw LoreException.invalid("flare.maxSearches must be between 0 and " + MAX_SEARCHES
                    + ", was " + maxSearches);
        }
    }
}
