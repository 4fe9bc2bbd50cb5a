package dev.lore.models.openai;

import org.springframework.stereotype.Component;

import dev.lore.models.Generator;
import dev.lore.models.ModelsProperties;
import dev.lore.models.backend.GeneratorBackend;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Opens the OpenAI-compatible generator (OpenAI, vLLM, llama.cpp server, LM Studio) for {@code lore.generator=openai}. */
@Component
class OpenAiBackend implements GeneratorBackend {

    private final OpenAiProperties properties;
    private final ResilienceProperties resilience;
    private final MeterRegistry meters;
    private final boolean structuredOutput;

    OpenAiBackend(OpenAiProperties properties, ResilienceProperties resilience, MeterRegistry meters,
            ModelsProperties models) {
        this.structuredOutput = models.openai().structuredOutput();
        this.properties = properties;
        this.resilience = resilience;
        this.meters = meters;
    }

    @Override
    public String id() {
        return "openai";
    }

    @Override
    public Generator open() {
        if (properties.model() == null || properties.model().isBlank()) {
            throw new IllegalStateException("lore.generator=openai needs spring.ai.openai.chat.options.model "
                    + "(e.g. gpt-4o-mini, or the model a vLLM or llama.cpp server serves)");
        }
        return OpenAiGenerator.create(properties, resilience, meters, structuredOutput);
    }
}
