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
 * {@code fusionLexicalWeight} on the lexical list.
 */
@ConfigurationProperties("lore.retrieval")
@Validated
public record RetrievalProperties(
        @DefaultValue("10") @Min(1) @Max(100) int topK,
        @DefaultValue("50") @Min(1) @Max(1000) int candidates,
        @DefaultValue("60") @Min(1) int rrfK,
        @DefaultValue("rrf") Fusion fusion,
        @DefaultValue("0.6") @DecimalMin("0") @DecimalMax("1") double fusionLexicalWeight) {

    public enum Fusion {
        /** Reciprocal rank fusion: ranks only, robust to scores on any scale. */
        RRF,
        /** {@link ScoreFusion}: normalised scores, weighted; keeps how far apart a list's candidates are. */
        SCORES
    }
}
