package dev.lore.agents.memory;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A memory to store: its kind, text, simulation time, importance ({@code null}: the model rates it) and the ids of
 * the memories it rests on.
 */
public record NewMemory(MemoryKind kind, String text, LocalDateTime at, Double importance, List<UUID> evidence) {

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
    }

    public static NewMemory of(MemoryKind kind, String text, LocalDateTime at) {
        return new NewMemory(kind, text, at, null, List.of());
    }
}
