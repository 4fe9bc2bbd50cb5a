package dev.lore.retrieval;

import java.util.Locale;

import dev.lore.web.LoreException;

/** Which reranker reorders the fused candidates: none, an in-process cross-encoder, the LLM, or a rerank API. */
public enum RerankMode {
    NONE("none"), CROSS_ENCODER("cross-encoder"), LLM("llm"), API("api");

    private final String id;

    RerankMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static RerankMode parse(String value) {
        if (value == null) {
            return NONE;
        }
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (RerankMode mode : values()) {
            if (mode.id.equals(wanted)) {
                return mode;
            }
        }
        throw LoreException.invalid("rerank must be none, cross-encoder, llm or api, not '" + value + "'");
    }
}
