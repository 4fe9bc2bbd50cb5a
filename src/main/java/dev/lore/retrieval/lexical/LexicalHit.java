package dev.lore.retrieval.lexical;

import java.util.UUID;

/** A chunk a lexical search found, with its BM25 score. */
public record LexicalHit(UUID chunkId, double score) {
}
