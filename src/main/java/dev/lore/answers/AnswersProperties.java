package dev.lore.answers;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.lore.answers.flare.FlareSettings;

/**
 * Answer defaults: sources per answer, the generator's context budget, the support below which Lore refuses without
 * a model call, the refusal sentence, extractive answers' size, and FLARE's defaults.
 *
 * @param topK sources retrieved for an answer (FLARE: the pinned initial documents)
 * @param contextTokens the generator's context window: prompt, sources and answer must fit in it
 * @param maxAnswerTokens the longest answer the generator may write
 * @param maxQuestionTokens the longest question the embedder reads whole
 * @param minSupport the support (the best candidate's cosine similarity to the question, lowered for the question's
 *        words no candidate holds: {@code supportTermsWeight}) below which Lore refuses without a generator;
 *        calibrated for all-MiniLM-L6-v2 by cross-validation over the handbook question sets
 *        ({@code bench/results/2026-12-07-refusal-calibration.md}); another embedder needs its own
 * @param minSupportGenerated the same with a generator configured: lower, as only a clear absence is refused without
 *        asking the model, whose prompt asks it to refuse when the sources fall short
 * @param supportSentenceWeight without a generator, the weight of the best sentence's extractive score against the
 *        dense similarity in support (0: dense similarity alone); the scale follows the sentence scorer, so a
 *        configured cross-encoder needs its own calibration
 * @param supportTermsWeight how much the share of the question's (idf-weighted) words that no candidate holds lowers
 *        support (0: support is the dense similarity alone)
 * @param refuseUnstatedFigures without a generator, refuse a question that asks only for a figure (how long, how
 *        much, what percent, what is the limit) when the sentences an extractive answer would quote state none of its
 *        kind; a request's {@code "minSupport":0} turns this off with the other refusals made without a model
 * @param refusal the sentence of a refusal, which the prompt also asks the model to write when the sources fall short
 * @param extractiveSentences at most this many sentences make an extractive answer
 * @param extractiveChunks the top chunks whose sentences an extractive answer chooses from
 * @param rerankCandidates how many fused candidates a reranker reorders when a request asks for one
 * @param contextCandidates how many candidates a generator's sources are packed from (best first, into the budget
 *        {@code context-tokens} leaves); {@code top-k} of them decide support and are what an answer is judged on
 * @param contextWiden how many of the strongest candidates are widened by their neighbouring chunks
 * @param contextNeighbours how many chunks before and after a widened candidate join it (0: none)
 * @param flare FLARE's defaults, each overridable per request
 */
@ConfigurationProperties("lore.answers")
@Validated
public record AnswersProperties(
        @DefaultValue("6") @Min(1) @Max(50) int topK,
        @DefaultValue("4096") @Min(512) int contextTokens,
        @DefaultValue("512") @Min(16) int maxAnswerTokens,
        @DefaultValue("256") @Min(8) int maxQuestionTokens,
        @DefaultValue("0.41") @DecimalMin("0") @DecimalMax("1") double minSupport,
        @DefaultValue("0.26") @DecimalMin("0") @DecimalMax("1") double minSupportGenerated,
        @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double supportSentenceWeight,
        @DefaultValue("0") @DecimalMin("0") @DecimalMax("1") double supportTermsWeight,
        @DefaultValue("true") boolean refuseUnstatedFigures,
        @DefaultValue("The documents do not cover this.") @NotBlank String refusal,
        @DefaultValue("3") @Min(1) @Max(6) int extractiveSentences,
        @DefaultValue("5") @Min(1) @Max(20) int extractiveChunks,
        @DefaultValue("20") @Min(1) @Max(200) int rerankCandidates,
        @DefaultValue("16") @Min(1) @Max(100) int contextCandidates,
        @DefaultValue("3") @Min(0) @Max(20) int contextWiden,
        @DefaultValue("1") @Min(0) @Max(3) int contextNeighbours,
        @DefaultValue @Valid Flare flare) {

    /** FLARE's defaults (design.md "FLARE"); see {@link FlareSettings} for their meaning. */
    public record Flare(
            @DefaultValue("0.5") double threshold,
            @DefaultValue("0.4") double maskBelow,
            @DefaultValue("masked") String query,
            @DefaultValue("64") int lookaheadTokens,
            @DefaultValue("6") int maxRetrievals,
            @DefaultValue("3") int documents,
            @DefaultValue("3") int questionsPerSentence,
            @DefaultValue("12") int maxSearches) {

        public Flare {
            new FlareSettings(threshold, maskBelow, FlareSettings.QueryMode.parse(query), lookaheadTokens,
                    maxRetrievals, documents, questionsPerSentence, maxSearches);
        }

        FlareSettings settings() {
            return new FlareSettings(threshold, maskBelow, FlareSettings.QueryMode.parse(query), lookaheadTokens,
                    maxRetrievals, documents, questionsPerSentence, maxSearches);
        }
    }
}
