package dev.lore.agents.memory;

/** How much recency, importance and relevance count in a memory's retrieval score (the paper weighs all three 1). */
public record Weights(double recency, double importance, double relevance) {

    public static final Weights EQUAL = new Weights(1, 1, 1);

    public Weights {
        if (!(recency >= 0 && importance >= 0 && relevance >= 0)) {
            throw new IllegalArgumentException("weights must not be negative");
        }
    }
}
