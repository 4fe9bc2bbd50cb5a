package dev.lore.models;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Counts a generator's calls, tokens and latency per backend and role as Micrometer metrics
 * ({@code lore.model.calls}, {@code lore.model.tokens}, {@code lore.model.latency}).
 */
final class MeteredGenerator implements Generator {

    private final Generator delegate;
    private final Timer latency;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Counter successes;
    private final Counter errors;

    MeteredGenerator(Generator delegate, GeneratorRole role, MeterRegistry registry) {
        this.delegate = delegate;
        String backend = delegate.name();
        this.latency = Timer.builder("lore.model.latency").description("Time spent in model calls")
                .tags("backend", backend, "role", role.id()).register(registry);
        this.promptTokens = Counter.builder("lore.model.tokens").description("Tokens sent to and produced by models")
                .tags("backend", backend, "role", role.id(), "kind", "prompt").register(registry);
        this.completionTokens = Counter.builder("lore.model.tokens")
                .tags("backend", backend, "role", role.id(), "kind", "completion").register(registry);
        this.successes = Counter.builder("lore.model.calls").description("Model calls by outcome")
                .tags("backend", backend, "role", role.id(), "outcome", "success").register(registry);
        this.errors = Counter.builder("lore.model.calls").description("Model calls by outcome")
                .tags("backend", backend, "role", role.id(), "outcome", "error").register(registry);
    }

    Generator delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public Generation generate(GenerationRequest request) {
        return measured(() -> delegate.generate(request));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        return measured(() -> delegate.stream(request, onToken, cancellation));
    }

    @Override
    public List<TokenLogprob> score(List<ChatMessage> messages, String continuation, int topLogprobs) {
        return timed(() -> delegate.score(messages, continuation, topLogprobs));
    }

    private Generation measured(Supplier<Generation> call) {
        Generation generation = timed(call);
        promptTokens.increment(generation.usage().promptTokens());
        completionTokens.increment(generation.usage().completionTokens());
        return generation;
    }

    private <T> T timed(Supplier<T> call) {
        long start = System.nanoTime();
        try {
            T result = call.get();
            successes.increment();
            return result;
        }
        catch (RuntimeException | Error e) {
            errors.increment();
            throw e;
        }
        finally {
            latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
