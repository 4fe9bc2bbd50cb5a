package dev.lore.retrieval.hyde;

import java.util.List;

import dev.lore.models.Usage;

/**
 * A query vector built by HyDE, with what went into it: the prompt, the generated passages (as written, empty ones
 * included) and how many of them were embedded, the generator, its usage and latency, and whether it came from the
 * cache.
 */
public record HydeEmbedding(float[] vector, String prompt, List<String> passages, int embeddedPassages,
        boolean includeQuery, String generator, Usage usage, long generationMillis, boolean cached) {

    HydeEmbedding fromCache() {
        return new HydeEmbedding(vector, prompt, passages, embeddedPassages, includeQuery, generator, Usage.NONE, 0,
                true);
    }
}
