package dev.lore.agents;

import java.util.Map;

import org.springframework.stereotype.Component;

import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorUnavailable;
import dev.lore.models.Generators;
import dev.lore.models.ModelFailure;
import dev.lore.prompts.Prompt;

/** The generator as the agents use it: a rendered prompt in, text out, every call counted on the request's use. */
@Component
public class AgentModel {

    private final Generators generators;

    AgentModel(Generators generators) {
        this.generators = generators;
    }

    public String generate(Prompt prompt, Map<String, ?> values, int maxTokens, double temperature, ModelUse use) {
        Generator generator = generator();
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(temperature).withMaxTokens(maxTokens);
        GenerationRequest request = GenerationRequest.of(prompt.render(values), options);
        return use.record(ModelCalls.call("generate " + prompt.name(), () -> generator.generate(request))).text();
    }

    /** A 502 {@code model-failure} for an answer Lore cannot use; nothing has been written when it is thrown. */
    public ModelFailure unreadable(String what, String answer) {
        String shown = answer == null ? "" : answer.strip();
        if (shown.length() > 200) {
            shown = shown.substring(0, 200) + "...";
        }
        return ModelFailure.of(generator().name(), "its " + what + " could not be read: '" + shown + "'");
    }

    /**
     * Fails with a 400 {@code generator-unavailable} naming the setting when no generator is configured, before
     * anything is written; a configured backend that is down still fails its call with a 503.
     */
    public void requireGenerator() {
        generator();
    }

    private Generator generator() {
        return generators.generator().orElseThrow(() -> GeneratorUnavailable.notConfigured(
                "Agents (they plan, react, talk, reflect and answer interviews with it)", null));
    }
}
