package dev.lore.answers;

import static dev.lore.answers.AnswerApiTests.number;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Citations for what a generator leaves uncited: sentences without {@code [n]} attributed to the source sentence that
 * supports them (marked {@code attributed}), unsupported sentences listed and never cited, refusals and connectives
 * left alone, the same in a stream's {@code done}, and FLARE-instruct's sentences after a search attributed to what
 * the search brought, joined with a space.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=scripted")
class AttributionApiTests extends IntegrationTest {

    private static final String COLLECTION = "attribution";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;
    private static final String QUESTION = "How many days of annual leave do staff earn?";
    private static final String NO_MARKERS = "Employees accrue thirteen days of annual leave every year. "
            + "New hires get their laptop from the IT desk on their first day.";

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of "
                        + "service they earn 20 days a year.\n\nSick leave is separate from annual leave.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one. "
                        + "Laptops are replaced every four years.\n"),
                Part.file("parental.md", "# Parental leave\n\nParents get 12 weeks of paid parental leave after "
                        + "a birth or an adoption.\n"),
                Part.file("facilities.md", "# Facilities\n\nDesks in the office are booked through the "
                        + "Facilities team. The Facilities team is headed by the office manager.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @BeforeEach
    void reset() {
        MODEL.answer(request -> "");
    }

    @Test
    void aGeneratorThatWritesNoMarkersStillGetsCitationsToTheSupportingSourcesMarkedAttributed() {
        MODEL.answer(request -> NO_MARKERS);
        int before = MODEL.requests().size();

        JsonNode body = answer(Map.of("question", QUESTION, "topK", 4)).body();

        String prompt = MODEL.requests().get(before).messages().get(0).content();
        assertThat(body.path("answer").asString()).as("the text stays as the model wrote it").isEqualTo(NO_MARKERS);
        assertThat(body.path("grounded").asBoolean()).isTrue();
        assertThat(body.path("unsupported")).isEmpty();
        JsonNode citations = body.path("citations");
        assertThat(citations).hasSize(2);
        assertThat(citations).allMatch(c -> c.path("attributed").asBoolean());
        JsonNode leave = citations.get(0);
        assertThat(leave.path("n").asInt()).isEqualTo(number(prompt, "leave.md"));
        assertThat(leave.path("source").asString()).isEqualTo("leave.md");
        assertThat(leave.path("quote").asString()).isEqualTo("Staff earn 13 days of annual leave a year.");
        assertThat(leave.path("sentence").asString())
                .isEqualTo("Employees accrue thirteen days of annual leave every year.");
        JsonNode laptops = citations.get(1);
        assertThat(laptops.path("n").asInt()).isEqualTo(number(prompt, "laptops.md"));
        assertThat(laptops.path("quote").asString())
                .isEqualTo("New hires receive a laptop from the IT desk on day one.");
        assertThat(laptops.path("sentence").asString())
                .isEqualTo("New hires get their laptop from the IT desk on their first day.");
        assertThat(laptops.path("chunkId").asString()).isNotBlank();
    }

    @Test
    void aSentenceNothingSupportsIsListedUnsupportedAndModelCitationsLookAsBefore() {
        MODEL.answer(request -> "Staff earn 13 days of annual leave a year ["
                + number(request.messages().get(0).content(), "leave.md") + "]. The cafeteria serves tacos on "
                + "Tuesdays. After three years of service they earn 25 days a year. In short: the handbook does not "
                + "say whether part-time staff earn the same. That is all.");

        JsonNode body = answer(Map.of("question", QUESTION, "topK", 4)).body();

        assertThat(body.path("grounded").asBoolean()).isTrue();
        assertThat(body.path("citations")).hasSize(1);
        JsonNode cited = body.path("citations").get(0);
        assertThat(cited.path("source").asString()).isEqualTo("leave.md");
        assertThat(cited.path("attributed").asBoolean()).isFalse();
        assertThat(cited.has("sentence")).as("a model's citation keeps its old shape").isFalse();
        assertThat(body.path("unsupported")).extracting(JsonNode::asString).as("a changed number finds no support")
                .containsExactly("The cafeteria serves tacos on Tuesdays.",
                        "After three years of service they earn 25 days a year.");
    }

    @Test
    void aStreamedAnswerCarriesTheSameCitationsInItsDoneEvent() {
        MODEL.answer(request -> NO_MARKERS + " The cafeteria serves tacos on Tuesdays.");
        JsonNode plain = answer(Map.of("question", QUESTION, "topK", 4)).body();

        SseClient.Stream stream = new SseClient(port, ADMIN_KEY, json).post("/api/v1/answer",
                Map.of("collection", COLLECTION, "question", QUESTION, "topK", 4));

        SseClient.Event done = stream.events().get(stream.events().size() - 1);
        assertThat(done.name()).isEqualTo("done");
        assertThat(done.data().path("citations")).hasSize(2).isEqualTo(plain.path("citations"));
        assertThat(done.data().path("citations").get(0).path("attributed").asBoolean()).isTrue();
        assertThat(done.data().path("unsupported")).extracting(JsonNode::asString)
                .containsExactly("The cafeteria serves tacos on Tuesdays.");
    }

    @Test
    void flareSentencesAfterASearchAreAttributedToWhatItBroughtAndJoinedWithASpace() {
        List<String> replies = new ArrayList<>(List.of(
                "Staff earn 13 days of annual leave a year.[Search(who heads the Facilities team",
                "The Facilities team is led by the office manager."));
        MODEL.answer(request -> replies.remove(0));

        JsonNode body = answer(Map.of("question", QUESTION, "strategy", "flare", "topK", 1,
                "flare", Map.of("documents", 1))).body();

        assertThat(body.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave a year. "
                + "The Facilities team is led by the office manager.");
        JsonNode search = body.path("retrievals").get(1);
        assertThat(search.path("query").asString()).isEqualTo("who heads the Facilities team");
        JsonNode citations = body.path("citations");
        assertThat(citations).extracting(c -> c.path("source").asString() + ":" + c.path("attributed").asBoolean())
                .containsExactly("leave.md:true", "facilities.md:true");
        assertThat(citations.get(1).path("chunkId").asString()).isEqualTo(search.path("chunkIds").get(0).asString());
        assertThat(citations.get(1).path("quote").asString())
                .isEqualTo("The Facilities team is headed by the office manager.");
    }

    private Api.Response answer(Map<String, Object> body) {
        Map<String, Object> request = new HashMap<>(body);
        request.put("collection", COLLECTION);
        return admin().post("/api/v1/answer", request);
    }
}
