package dev.lore.models.rerankapi;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An HTTP rerank API: {@code format} {@code cohere} (Cohere, Jina, vLLM: {@code POST /v1/rerank}) or {@code tei}
 * (Hugging Face Text Embeddings Inference: {@code POST /rerank}); the key comes from the environment.
 *
 * @param batchSize passages per request (TEI refuses more than its {@code --max-client-batch-size}, 32 by default)
 */
@ConfigurationProperties("lore.rerank.api")
record RerankApiProperties(String baseUrl, String key, String model, @DefaultValue("cohere") Format format,
        @DefaultValue("32") int batchSize) {

    /** The wire format of a rerank API. */
    enum Format {
        COHERE, TEI
    }

    RerankApiProperties {
        if (batchSize < 1) {
            throw new IllegalArgumentException("lore.rerank.api.batch-size must be positive, was " + batchSize);
        }
    }
}
