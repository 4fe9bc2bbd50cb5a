package dev.lore.agents.memory;

/**
 * A retrieved memory with its score: the normalised components, their weighted sum, and the raw values they came
 * from ({@code hours} since last access, {@code importance}, {@code cosine}).
 */
public record ScoredMemory(StoredMemory memory, Scores scores) {

    /** The min-max normalised components in [0, 1] and the weighted total. */
    public record Scores(double recency, double importance, Double relevance, double total, Raw raw) {
    }

    /** The values before normalisation; {@code recency} is 0.995^hours, hours counted up to 100,000. */
    public record Raw(double hours, double recency, double importance, Double cosine) {
    }
}
