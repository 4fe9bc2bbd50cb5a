package dev.lore.answers;

import java.util.UUID;

/** A source an answer cites with {@code [n]}, and the sentence of it that best supports the citing claim. */
public record Citation(int n, UUID chunkId, UUID documentId, String source, String title, String quote) {
}
