package dev.lore.models.ollama;

import org.springframework.stereotype.Component;

import dev.lore.models.Generator;
import dev.lore.models.backend.GeneratorBackend;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Opens the Ollama generator for {@code lore.generator=ollama}. */
@Component
class OllamaBackend implements GeneratorBackend {

    private final OllamaProperties properties;
    private final ResilienceProperties resilience;
    private final MeterRegistry meters;

    OllamaBackend(OllamaProperties properties, ResilienceProperties resilience, MeterRegistry meters) {
        this.properties = properties;
        this.resilience = resilience;
        this.meters = meters;
    }

    @Override
    public String id() {
        return "ollama";
    }

    @Override
    public Generator open() {
        if (properties.model() == null || properties.model().isBlank()) {
            throw new IllegalStateException(
                    "lore.generator=ollama needs spring.ai.ollama.chat.options.model (e.g. llama3.2)");
        }
        return OllamaGenerator.create(properties, resilience, meters);
    }
}
