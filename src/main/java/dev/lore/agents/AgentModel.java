package dev.lore.agents;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import dev.lore.models.ChatMessage;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorUnavailable;
import dev.lore.models.Generators;
import dev.lore.models.ModelFailure;
import dev.lore.models.ResponseSchema;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The generator as the agents use it: a rendered prompt in, text out, every call counted on the request's use. A
 * prompt with a schema is held to it where the backend enforces schemas; an answer that cannot be read is asked for
 * once more with its form restated, then replaced by the caller's fallback and counted
 * ({@code lore.agents.unreadable{prompt}}), so a chatty model never fails an agent's work.
 */
@Component
public class AgentModel {

    private final Generators generators;
    private final Prompt structured;
    private final Prompt reminder;
    private final MeterRegistry meters;

    AgentModel(Generators generators, Prompts prompts, MeterRegistry meters) {
        this.generators = generators;
        this.structured = prompts.require("structured-output", "schema");
        this.reminder = prompts.require("agent-format-reminder", "format");
        this.meters = meters;
    }

    public String generate(Prompt prompt, Map<String, ?> values, int maxTokens, double temperature, ModelUse use) {
        Generator generator = generator();
        GenerationRequest request = request(generator, prompt, List.of(ChatMessage.user(render(generator, prompt,
                values))), maxTokens, temperature);
        return use.record(ModelCalls.call("generate " + prompt.name(), () -> generator.generate(request))).text();
    }

    /**
     * {@code reader}'s reading of the answer to {@code prompt}; when it reads nothing ({@code null}), the model is
     * asked once more with the answer's form restated, and when that is unreadable too, {@code fallback}'s value,
     * noted on {@code use} and counted.
     */
    public <T> T read(Prompt prompt, Map<String, ?> values, int maxTokens, double temperature, ModelUse use,
            Function<String, T> reader, Supplier<T> fallback) {
        Generator generator = generator();
        String rendered = render(generator, prompt, values);
        GenerationRequest first = request(generator, prompt, List.of(ChatMessage.user(rendered)), maxTokens,
                temperature);
        String answer = use.record(ModelCalls.call("generate " + prompt.name(), () -> generator.generate(first)))
                .text();
        T read = reader.apply(answer);
        if (read != null) {
            return read;
        }
        String format = enforced(generator, prompt).map(schema -> structured.render(Map.of("schema", schema.json())))
                .orElseGet(() -> AnswerText.lastParagraph(rendered));
        GenerationRequest again = request(generator, prompt, List.of(ChatMessage.user(rendered),
                ChatMessage.assistant(answer), ChatMessage.user(reminder.render(Map.of("format", format)))),
                maxTokens, temperature);
        String second = use.record(ModelCalls.call("generate " + prompt.name() + " again",
                () -> generator.generate(again))).text();
        read = reader.apply(second);
        if (read != null) {
            return read;
        }
        use.unreadable(prompt.name());
        if (!ModelCalls.inPass()) {
            // a step's pass may run again: the stepper counts its fallbacks once the agent's part commits
            countUnreadable(prompt.name());
        }
        return fallback.get();
    }

    /** Counts a fallback for {@code prompt}'s unreadable answer. */
    public void countUnreadable(String prompt) {
        meters.counter("lore.agents.unreadable", "prompt", prompt).increment();
    }

    private GenerationRequest request(Generator generator, Prompt prompt, List<ChatMessage> messages, int maxTokens,
            double temperature) {
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(temperature).withMaxTokens(maxTokens);
        return new GenerationRequest(messages, options, enforced(generator, prompt).orElse(null));
    }

    private String render(Generator generator, Prompt prompt, Map<String, ?> values) {
        String rendered = prompt.render(values);
        Optional<ResponseSchema> schema = enforced(generator, prompt);
        return schema.isEmpty() ? rendered
                : rendered.strip() + "\n\n" + structured.render(Map.of("schema", schema.get().json()));
    }

    /** The prompt's schema where the generator holds answers to one; else the prompt's own line format applies. */
    private static Optional<ResponseSchema> enforced(Generator generator, Prompt prompt) {
        if (!generator.supportsStructuredOutput()) {
            return Optional.empty();
        }
        return prompt.schema().map(json -> new ResponseSchema(prompt.name().replaceAll("[^a-zA-Z0-9_-]", "_"), json));
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
