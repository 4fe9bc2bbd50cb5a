package dev.lore.models;

import java.util.List;

/**
 * One generated text; {@code tokens} carries per-token log-probabilities when they were asked for and the backend
 * has them, and is empty otherwise.
 */
public record Completion(String text, List<TokenLogprob> tokens, FinishReason finishReason) {

    public Completion {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    public boolean hasLogprobs() {
        return !tokens.isEmpty();
    }
}
