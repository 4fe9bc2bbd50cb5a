package dev.lore.retrieval.evaluation;

import dev.lore.retrieval.HydeSettings;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchMode;

/** One way of searching to evaluate: mode, HyDE (or {@code null}) and reranker, under a name for the report. */
public record SearchConfiguration(String name, SearchMode mode, HydeSettings hyde, RerankMode rerank) {

    public SearchConfiguration {
        mode = mode == null ? SearchMode.HYBRID : mode;
        rerank = rerank == null ? RerankMode.NONE : rerank;
        if (name == null || name.isBlank()) {
            name = mode.name().toLowerCase(java.util.Locale.ROOT) + (hyde != null ? "+hyde" : "")
                    + (rerank != RerankMode.NONE ? "+" + rerank.id() : "");
        }
    }
}
