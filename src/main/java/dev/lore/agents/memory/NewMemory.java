package dev.lore.agents.memory;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A memory to store: its kind, text, simulation time, importance ({@code null}: the model rates it), where a known
 * importance came from ({@code null}: given) and the ids of the memories it rests on.
 */
public record NewMemory(MemoryKind kind, String text, LocalDateTime at, Double importance, String importanceFrom,
        List<UUID> evidence) {

    public NewMemory {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(at, "at");
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a memory needs text");
        }
        if (importance != null && !(importance >= 1 && importance <= 10)) {
            throw new IllegalArgumentException("importance must be between 1 and 10, was " + importance);
        }
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
        importanceFrom = importance == null ? null : importanceFrom == null ? "given" : importanceFrom;
    }

    /** A memory whose importance the model will rate. */
    public static NewMemory of(MemoryKind kind, String text, LocalDateTime at) {
        return new NewMemory(kind, text, at, null, null, List.of());
    }

    /** A memory with a rating already made (one rating can serve the same text in two agents' streams). */
    public static NewMemory rated(MemoryKind kind, String text, LocalDateTime at, ImportanceRater.Rating rating) {
        return new NewMemory(kind, text, at, rating.value(), rating.from(), List.of());
    }
}
