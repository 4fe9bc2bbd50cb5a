package dev.lore.agents.reflection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.StoredMemory;

/**
 * Reading a model's questions and insights, loose or JSON: whatever numbers it cites, only those that name a
 * statement count.
 */
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

    @Test
    void looseAndJsonInsightsAndQuestionsAreRead() {
        List<StoredMemory> statements = List.of(statement("Klaus reads"), statement("Klaus writes"),
                statement("Klaus eats"));

        List<NewMemory> loose = Reflector.insights("""
                Here are my insights:

                1. **Klaus loves words** (because of 1, 2, and 3)
                - *Klaus keeps busy* [2]
                I'm sorry, I cannot do more.""", statements, AT, 5);
        List<NewMemory> json = Reflector.insights("""
                {"insights":[{"insight":"Klaus loves words","evidence":[1,3]},{"insight":"Klaus is lost","evidence":[9]}]}""",
                statements, AT, 5);

        assertThat(loose).extracting(NewMemory::text).containsExactly("Klaus loves words", "Klaus keeps busy");
        assertThat(loose.get(0).evidence()).hasSize(3);
        assertThat(json).extracting(NewMemory::text).containsExactly("Klaus loves words");
        assertThat(json.get(0).evidence()).containsExactly(statements.get(0).id(), statements.get(2).id());
        assertThat(Reflector.questions("Sure! Here are three questions:\n\n1. **What does Klaus love?**\n"
                + "2. Who is Klaus with?", 3)).containsExactly("What does Klaus love?", "Who is Klaus with?");
        assertThat(Reflector.questions("{\"questions\":[\"What does Klaus love?\"]}", 3))
                .containsExactly("What does Klaus love?");
        assertThat(Reflector.questions("I'm sorry, but I can't help with that request.", 3)).isEmpty();
    }

    private static StoredMemory statement(String text) {
        return new StoredMemory(UUID.randomUUID(), MemoryKind.OBSERVATION, text, 3, "given", AT, AT, List.of());
    }
}
