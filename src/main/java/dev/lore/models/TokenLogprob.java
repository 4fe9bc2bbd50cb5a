package dev.lore.models;

import java.util.List;

/**
 * One token a model produced (or was asked to score), its natural-log probability and the most likely
 * alternatives at that position, most likely first.
 */
public record TokenLogprob(String token, double logprob, List<Alternative> top) {

    /** A token the model could have produced instead, with its log-probability. */
    public record Alternative(String token, double logprob) {
    }

    public TokenLogprob {
        top = top == null ? List.of() : List.copyOf(top);
    }

    public double probability() {
        return Math.exp(logprob);
    }
}
