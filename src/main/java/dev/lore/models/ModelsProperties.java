package dev.lore.models;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Model settings. {@code embedder} names the embedding model: in-process, {@code all-minilm-l6-v2-q} (quantised, the
 * default: see the README's numbers), {@code all-minilm-l6-v2}, {@code bge-small-en-v1.5-q} or {@code e5-small-v2-q};
 * or a remote service, {@code openai:<model>}, {@code ollama:<model>} or {@code tei} (see {@link EmbedderSelection}
 * and {@code lore.models.embedding.*}). {@code healthCacheTtl} is how long a backend's health probe is reused by
 * {@code /actuator/health} and {@code GET /api/v1/models}, so that polling them never becomes a load on the backends
 * ({@code 0s} probes on every call). {@code openai.structuredOutput}: whether schemas are sent to an OpenAI-compatible
 * server as {@code response_format}; {@code false} for a server or gateway that refuses that field (agents then read
 * its loose answers instead).
 */
@ConfigurationProperties("lore.models")
public record ModelsProperties(@DefaultValue("all-minilm-l6-v2-q") String embedder,
        @DefaultValue("5s") Duration healthCacheTtl, @DefaultValue OpenAi openai) {

    /** {@code lore.models.openai.*}. */
    public record OpenAi(@DefaultValue("true") boolean structuredOutput) {
    }
}
