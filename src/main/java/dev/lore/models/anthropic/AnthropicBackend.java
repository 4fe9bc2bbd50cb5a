package dev.lore.models.anthropic;

import org.springframework.stereotype.Component;

import dev.lore.models.Generator;
import dev.lore.models.backend.GeneratorBackend;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Opens the Anthropic generator for {@code lore.generator=anthropic}. */
@Component
class AnthropicBackend implements GeneratorBackend {

    private final AnthropicProperties properties;
    private final ResilienceProperties resilience;
    private final MeterRegistry meters;

    AnthropicBackend(AnthropicProperties properties, ResilienceProperties resilience, MeterRegistry meters) {
        this.properties = properties;
        this.resilience = resilience;
        this.meters = meters;
    }

    @Override
    public String id() {
        return "anthropic";
    }

    @Override
    public Generator open() {
        if (properties.model() == null || properties.model().isBlank()) {
            throw new IllegalStateException(
                    "lore.generator=anthropic needs spring.ai.anthropic.chat.options.model (e.g. claude-sonnet-4-5)");
        }
        if (properties.apiKey() == null || properties.apiKey().isBlank()) {
            throw new IllegalStateException("lore.generator=anthropic needs spring.ai.anthropic.api-key "
                    + "(set it from the environment, e.g. SPRING_AI_ANTHROPIC_API_KEY)");
        }
        return AnthropicGenerator.create(properties, resilience, meters);
    }
}
