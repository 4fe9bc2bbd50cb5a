package dev.lore.agents;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private final List<String> unreadable = new CopyOnWriteArrayList<>();

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

    /** Notes that {@code prompt}'s answer could not be read, even when asked again, and a fallback took its place. */
    public void unreadable(String prompt) {
        unreadable.add(prompt);
    }

    /** The prompts whose answers fell back, in order (a prompt once per fallback). */
    public List<String> unreadable() {
        return List.copyOf(unreadable);
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
