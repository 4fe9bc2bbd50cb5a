package dev.lore.answers;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.lore.models.Cancellation;
import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.Usage;

/**
 * A generator without logprobs whose answers the test writes (a function of the request), recording every request;
 * it streams its text word by word and answers at once, like an instant model.
 */
public final class ScriptedGenerator implements Generator {

    private final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();
    private volatile Function<GenerationRequest, String> script = request -> "";
    private volatile RuntimeException failure;
    private volatile RuntimeException failMidway;

    public void answer(Function<GenerationRequest, String> script) {
        this.script = script;
        this.failure = null;
        this.failMidway = null;
    }

    public void fail(RuntimeException failure) {
        this.failure = failure;
    }

    /** Streams the first word of the next streamed answers, then fails with {@code failure}. */
    public void failMidway(RuntimeException failure) {
        this.failMidway = failure;
    }

    public List<GenerationRequest> requests() {
        return requests;
    }

    @Override
    public String name() {
        return "scripted:test";
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return new GeneratorCapabilities(false, true, false, false, false);
    }

    @Override
    public Generation generate(GenerationRequest request) {
        requests.add(request);
        if (failure != null) {
            throw failure;
        }
        String prompt = request.messages().get(0).content();
        List<Completion> completions = new java.util.ArrayList<>();
        for (int i = 0; i < request.options().n(); i++) {
            completions.add(new Completion(script.apply(request), List.of(), FinishReason.STOP));
        }
        return new Generation(name(), completions, new Usage(prompt.length() / 4, 7));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        Generation generation = generate(request);
        String[] words = generation.text().split("(?<= )");
        if (failMidway != null) {
            onToken.accept(words[0]);
            throw failMidway;
        }
        Arrays.stream(words).forEach(onToken);
        return generation;
    }
}
