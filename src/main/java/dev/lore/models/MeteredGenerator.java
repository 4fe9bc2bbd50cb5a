package dev.lore.models;

import java.util.List;
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
    private final MeterRegistry registry;
    private final String backend;
    private final String role;
    private final Timer latency;
    private final Counter promptTokens;
    private final Counter completionTokens;

    MeteredGenerator(Generator delegate, GeneratorRole role, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.backend = delegate.name();
        this.role = role.id();
        this.latency = Timer.builder("lore.model.latency").description("Time spent in model calls")
                .tags("backend", backend, "role", this.role).register(registry);
        this.promptTokens = Counter.builder("lore.model.tokens").description("Tokens sent to and produced by models")
                .tags("backend", backend, "role", this.role, "kind", "prompt").register(registry);
        this.completionTokens = Counter.builder("lore.model.tokens")
                .tags("backend", backend, "role", this.role, "kind", "completion").register(registry);
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
        long start = System.nanoTime();
        String outcome = "error";
        try {
            List<TokenLogprob> scored = delegate.score(messages, continuation, topLogprobs);
            outcome = "success";
            return scored;
        }
        finally {
            latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            calls(outcome).increment();
        }
    }

    private Generation measured(Supplier<Generation> call) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            Generation generation = call.get();
            promptTokens.increment(generation.usage().promptTokens());
            completionTokens.increment(generation.usage().completionTokens());
            outcome = "success";
            return generation;
        }
        finally {
            latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            calls(outcome).increment();
        }
    }

    private Counter calls(String outcome) {
        return Counter.builder("lore.model.calls").description("Model calls by outcome")
                .tags("backend", backend, "role", role, "outcome", outcome).register(registry);
    }
}
