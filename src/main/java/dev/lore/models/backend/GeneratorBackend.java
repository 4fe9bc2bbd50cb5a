package dev.lore.models.backend;

import dev.lore.models.Generator;

/**
 * A kind of generator backend Lore can run ({@code openai}, {@code ollama}, {@code anthropic}, {@code local}): one
 * bean per kind, asked to open its generator only when configuration selects it.
 */
public interface GeneratorBackend {

    /** The value of {@code lore.generator} (or {@code lore.scorer}) that selects this backend. */
    String id();

    /**
     * Builds the generator from configuration, failing fast with a clear message when a required setting is
     * missing. A returned generator that also implements
     * {@link org.springframework.boot.health.contributor.HealthIndicator} reports its own health; one that
     * implements {@link AutoCloseable} is closed on shutdown.
     */
    Generator open();
}
