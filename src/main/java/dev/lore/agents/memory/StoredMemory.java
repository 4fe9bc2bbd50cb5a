package dev.lore.agents.memory;

import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

/** A memory of an agent's stream; {@code importanceFrom} says whether it was given, rated, or defaulted. */
public record StoredMemory(UUID id, MemoryKind kind, String text, double importance, String importanceFrom,
        LocalDateTime at, LocalDateTime lastAccessedAt, List<UUID> evidence) {
}
