package dev.lore.documents.internal;

/** A piece of a document sized for the embedder; {@code embeddingText} carries the title and heading path. */
public record Chunk(int ordinal, String headingPath, String text, String embeddingText) {
}
