package dev.lore.retrieval;

import java.util.List;
import java.util.Map;

/**
 * What a search found, how long each stage took, (when asked) how it got there, and what model calls it spent
 * ({@code usage} is {@code null} when none).
 */
public record SearchResult(List<SearchHit> results, Map<String, Long> timingsMs, Map<String, Object> trace,
        Map<String, Object> usage) {
}
