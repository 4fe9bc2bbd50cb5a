package dev.lore.retrieval;

import java.util.List;
import java.util.Map;

/** What a search found, how long each stage took, and (when asked) how it got there. */
public record SearchResult(List<SearchHit> results, Map<String, Long> timingsMs, Map<String, Object> trace) {
}
