package dev.lore.agents.reflection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.StoredMemory;

/** Reading a model's insights: whatever numbers it cites, only those that name a statement count. */
class ReflectorTests {

    private static final LocalDateTime AT = LocalDateTime.parse("2026-02-13T08:00:00");

    @Test
    void citationsTooLargeForAnIntAreIgnoredLikeAnyOtherUnknownNumber() {
        List<StoredMemory> statements = List.of(statement("Klaus reads"), statement("Klaus writes"));

        List<NewMemory> drawn = Reflector.insights("""
                Klaus loves words (because of 99999999999999999999, 2)
                Klaus is lost (because of 4294967297)
                Klaus keeps busy (because of 0001, 2147483648)""", statements, AT, 5);

        assertThat(drawn).extracting(NewMemory::text).containsExactly("Klaus loves words", "Klaus keeps busy");
        assertThat(drawn.get(0).evidence()).containsExactly(statements.get(1).id());
        assertThat(drawn.get(1).evidence()).containsExactly(statements.get(0).id());
    }

    private static StoredMemory statement(String text) {
        return new StoredMemory(UUID.randomUUID(), MemoryKind.OBSERVATION, text, 3, "given", AT, AT, List.of());
    }
}
