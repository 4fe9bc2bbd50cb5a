package dev.lore.retrieval;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Search defaults: result count, candidates per list before fusion, and how hybrid search fuses its two lists:
 * reciprocal rank fusion with the constant {@code rrfK}, or a convex combination of min-max normalised scores with
 * {@code fusionLexicalWeight} on the lexical list. {@code rrfK} is 5, not the 60 of the RRF paper: with 60, a chunk
 * in the middle of both lists outranked the first of one list, which is where the handbook's answering pages often
 * are (found by their words or by their meaning, not both). Chosen on SciFact's train split (equal weights: k 1-5
 * best) and the handbook answer sets (`bench/results/2026-12-08-rrf-k.md`).
 */
@ConfigurationProperties("lore.retrieval")
@Validated
public record RetrievalProperties(
        @DefaultValue("10") @Min(1) @Max(100) int topK,
        @DefaultValue("50") @Min(1) @Max(1000) int candidates,
        @DefaultValue("5") @Min(1) int rrfK,
        @DefaultValue("rrf") Fusion fusion,
        @DefaultValue("0.6") @DecimalMin("0") @DecimalMax("1") double fusionLexicalWeight) {

    public enum Fusion {
        /** Reciprocal rank fusion: ranks only, robust to scores on any scale. */
        RRF,
        /** {@link ScoreFusion}: normalised scores, weighted; keeps how far apart a list's candidates are. */
        SCORES
    }
}
