package dev.lore.models.embedding;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of a remote embedder ({@code lore.models.embedder=openai:<model>|ollama:<model>|tei}). Unset values fall
 * back to what Lore knows of the model (its dimension, whether it is Matryoshka-trained, the prefixes it was trained
 * with) and, for the base URL and key, to Spring AI's standard {@code spring.ai.openai.*} and
 * {@code spring.ai.ollama.*} keys.
 *
 * @param baseUrl where the service is; required for {@code tei}
 * @param apiKey sent as a bearer token (OpenAI-compatible servers, a TEI behind a gateway); from the environment
 * @param dimensions for OpenAI's {@code text-embedding-3-*}, the {@code dimensions} to ask for (the model shortens its
 *        own vectors); for others the dimension the model makes, checked against every answer
 * @param batchSize texts per request (TEI refuses more than its {@code --max-client-batch-size}, 32 by default)
 * @param queryPrefix put before every query, e.g. {@code "search_query: "} for nomic-embed-text
 * @param documentPrefix put before every passage, e.g. {@code "search_document: "}
 * @param matryoshka marks the model as Matryoshka-trained (dense search's {@code matryoshka:<dims>} mode needs it)
 */
@ConfigurationProperties("lore.models.embedding")
public record EmbeddingProperties(String baseUrl, String apiKey, Integer dimensions,
        @DefaultValue("32") int batchSize, String queryPrefix, String documentPrefix, Boolean matryoshka) {

    public EmbeddingProperties {
        if (batchSize < 1) {
            throw new IllegalArgumentException("lore.models.embedding.batch-size must be positive, was " + batchSize);
        }
        if (dimensions != null && dimensions < 1) {
            throw new IllegalArgumentException("lore.models.embedding.dimensions must be positive, was " + dimensions);
        }
    }
}
