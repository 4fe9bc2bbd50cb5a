package dev.lore.answers;

import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A source an answer cites and the sentence of it that best supports the claim: cited by the model with {@code [n]}
 * ({@code attributed} false), or attributed by Lore to the answer {@code sentence} the model left without a marker.
 */
public record Citation(int n, UUID chunkId, UUID documentId, String source, String title, String quote,
        boolean attributed, @JsonInclude(JsonInclude.Include.NON_NULL) String sentence) {

    /** A citation the answer's {@code [n]} marker makes. */
    public Citation(int n, UUID chunkId, UUID documentId, String source, String title, String quote) {
        this(n, chunkId, documentId, source, title, quote, false, null);
    }
}
