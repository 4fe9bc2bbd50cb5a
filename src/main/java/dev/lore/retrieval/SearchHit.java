package dev.lore.retrieval;

import java.util.Map;
import java.util.UUID;

/**
 * One retrieved chunk with its per-stage scores ({@code dense}, {@code lexical}, {@code fused}) and its document's
 * metadata.
 */
public record SearchHit(UUID chunkId, UUID documentId, String source, String title, String headingPath, String text,
        double score, Map<String, Double> scores, Map<String, Object> metadata) {
}
