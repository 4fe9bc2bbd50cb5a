package dev.lore.agents;

import java.util.concurrent.atomic.AtomicLong;

import dev.lore.models.Generation;

/** The model calls and tokens one request spent, shown as {@code usage} on every response that called the model. */
public final class ModelUse {

    /** The wire form, named as the answers' {@code usage}. */
    public record Usage(long llmCalls, long promptTokens, long completionTokens) {
    }

    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();

    public Generation record(Generation generation) {
        calls.incrementAndGet();
        promptTokens.addAndGet(generation.usage().promptTokens());
        completionTokens.addAndGet(generation.usage().completionTokens());
        return generation;
    }

    /** Adds what another use spent (a failed attempt's calls still cost). */
    public void add(Usage usage) {
        calls.addAndGet(usage.llmCalls());
        promptTokens.addAndGet(usage.promptTokens());
        completionTokens.addAndGet(usage.completionTokens());
    }

    public long calls() {
        return calls.get();
    }

    public Usage total() {
        return new Usage(calls.get(), promptTokens.get(), completionTokens.get());
    }

    /** The usage to show, or {@code null} (left out of the response) when no model was called. */
    public Usage orNull() {
        return calls.get() == 0 ? null : new Usage(calls.get(), promptTokens.get(), completionTokens.get());
    }
}
