package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * What an answer is built from: a generator sees the chunks around its best hit ("small to big"), with the heading
 * trail of each source; an extractive answer quotes a sentence together with the one it leans on, and a list item
 * with its lead-in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = { "lore.generator=scripted", "lore.answers.context-candidates=1",
        "lore.answers.min-support=0", "lore.answers.min-support-generated=0" })
class AnswerContextApiTests extends IntegrationTest {

    private static final String COLLECTION = "answer-context";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        // one section long enough to be cut into several chunks: the desk's room is told far before the sentence
        // that answers how to get a locker
        String filler = IntStream.range(0, 20).mapToObj(i -> "The kitchen on floor " + i + " has a kettle and a "
                + "fridge that is cleaned on Fridays.").collect(Collectors.joining(" "));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("office.md", "# Office\n\n## Lockers\n\nThe facilities desk sits in room 6400 near the "
                        + "elevators.\n\n" + filler + "\n\nIf you have no locker assigned to you, ask the facilities "
                        + "desk for a locker key.\n"),
                Part.file("leave.md", "# Leave\n\n## Annual leave\n\nFull-time staff earn annual leave every pay "
                        + "period. This includes 4 hours per pay period for staff with under three years of "
                        + "service.\n\nYou may carry leave over:\n\n- up to 240 hours into the next year\n- more "
                        + "only with an approved exception\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void theGeneratorSeesTheChunksAroundItsBestHitUnderTheirHeadingTrail() {
        MODEL.answer(request -> "Ask the facilities desk [1].");
        int before = MODEL.requests().size();

        Api.Response response = admin().post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                "I have no locker assigned to me, who gives out locker keys?", "topK", 1));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        String prompt = MODEL.requests().get(before).messages().get(0).content();
        assertThat(prompt).contains("ask the facilities desk for a locker key").contains("room 6400")
                .contains("[1] Office > Lockers (office.md)");
        assertThat(prompt.split("ask the facilities desk for a locker key", -1)).as("merged, not repeated")
                .hasSize(2);
    }

    @Test
    void anExtractiveAnswerQuotesASentenceWithTheOneItLeansOnAndAListItemWithItsLeadIn() {
        JsonNode hours = admin().post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                "How many hours per pay period do staff with under three years of service earn?", "generator",
                "none")).body();
        assertThat(hours.path("answer").asString()).startsWith("Full-time staff earn annual leave every pay period. "
                + "This includes 4 hours per pay period");
        assertThat(hours.path("citations").get(0).path("quote").asString()).startsWith("Full-time staff earn");

        JsonNode carry = admin().post("/api/v1/answer", Map.of("collection", COLLECTION, "question",
                "how many hours of leave can I carry over into the next year", "generator", "none")).body();
        assertThat(carry.path("answer").asString()).contains("You may carry leave over: up to 240 hours into the "
                + "next year");
    }
}
