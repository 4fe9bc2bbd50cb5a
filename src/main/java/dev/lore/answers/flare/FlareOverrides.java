package dev.lore.answers.flare;

import io.swagger.v3.oas.annotations.media.Schema;

/** A request's {@code flare} object: the settings it changes for one answer; those left out keep the configured. */
@Schema(name = "FlareSettings")
public record FlareOverrides(
        @Schema(description = "a look-ahead whose every token has at least this probability is kept") Double threshold,
        @Schema(description = "tokens below this probability are masked out of the query") Double maskBelow,
        @Schema(description = "masked | questions") String query,
        @Schema(description = "tokens of look-ahead, at most 256") Integer lookaheadTokens,
        @Schema(description = "retrievals in one answer, at most 32") Integer maxRetrievals,
        @Schema(description = "passages each retrieval brings, at most 20") Integer documents,
        @Schema(description = "questions mode: spans one look-ahead asks about, at most 8") Integer questionsPerSentence,
        @Schema(description = "searches in one answer, questions included, at most 64") Integer maxSearches) {

    /** {@code defaults} with what this request changes. */
    public FlareSettings over(FlareSettings defaults) {
        return new FlareSettings(threshold == null ? defaults.threshold() : threshold,
                maskBelow == null ? defaults.maskBelow() : maskBelow,
                query == null ? defaults.query() : FlareSettings.QueryMode.parse(query),
                lookaheadTokens == null ? defaults.lookaheadTokens() : lookaheadTokens,
                maxRetrievals == null ? defaults.maxRetrievals() : maxRetrievals,
                documents == null ? defaults.documents() : documents,
                questionsPerSentence == null ? defaults.questionsPerSentence() : questionsPerSentence,
                maxSearches == null ? defaults.maxSearches() : maxSearches);
    }
}
