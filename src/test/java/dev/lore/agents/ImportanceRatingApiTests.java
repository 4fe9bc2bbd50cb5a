package dev.lore.agents;

import static dev.lore.agents.ScriptedModel.CHAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.agents.ScriptedModel.Token;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Importance rated by a scripted OpenAI-compatible server: the G-Eval expectation over the rating tokens'
 * probabilities, the parsed integer without logprobs, several memories in one call, and garbage falling back to
 * the default.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportanceRatingApiTests extends IntegrationTest {

    private static final FakeHttpServer SERVER = new FakeHttpServer();

    @Autowired
    MeterRegistry meters;

    private String agent;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.agents.reflection-threshold", () -> "100000");
    }

    @BeforeAll
    void create() {
        SERVER.on("/v1/models", FakeHttpServer.json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        String simulation = AgentsFixture.simulation(admin(), "ratings", "2026-02-13T07:00:00", null);
        agent = AgentsFixture.agent(admin(), simulation, "Isabella", List.of());
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void withLogprobsImportanceIsTheExpectationOverTheRatingTokensAndAnArrivingBatchIsOneCall() {
        List<Token> tokens = new ArrayList<>(List.of(ScriptedModel.spelled("1: ")));
        tokens.add(new Token("7", 0.5, Map.of("8", 0.3, "6", 0.1, "seven", 0.05)));
        tokens.addAll(List.of(ScriptedModel.spelled("\n2:")));
        tokens.add(new Token(" 3", 0.6, Map.of(" 2", 0.3, " 10", 0.1)));
        SERVER.on(CHAT, ScriptedModel.tokens(tokens.toArray(Token[]::new)));
        long before = SERVER.count(CHAT);

        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories", List.of(
                Map.of("text", "Isabella's father died this morning", "at", "2026-02-13T07:05:00"),
                Map.of("text", "Isabella ate breakfast", "at", "2026-02-13T07:10:00"),
                Map.of("text", "Isabella saw a sunrise", "at", "2026-02-13T07:10:00", "importance", 4)));

        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        assertThat(SERVER.count(CHAT) - before).as("one call rates the whole batch").isOne();
        JsonNode memories = response.body().path("memories");
        assertThat(memories.get(0).path("importance").asDouble()).isCloseTo(6.5 / 0.9, offset(1e-5));
        assertThat(memories.get(0).path("importanceFrom").asString()).isEqualTo("logprobs");
        assertThat(memories.get(1).path("importance").asDouble()).isCloseTo((3 * 0.6 + 2 * 0.3 + 10 * 0.1) / 1.0,
                offset(1e-5));
        assertThat(memories.get(2).path("importance").asDouble()).isEqualTo(4);
        assertThat(memories.get(2).path("importanceFrom").asString()).isEqualTo("given");
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isOne();
        assertThat(response.body().path("usage").path("promptTokens").asLong()).isEqualTo(40);
        String sent = SERVER.received().get(SERVER.received().size() - 1).body();
        assertThat(sent).contains("1. Isabella's father died this morning").contains("2. Isabella ate breakfast")
                .doesNotContain("sunrise").contains("\"logprobs\":true");
    }

    /**
     * The scorer holds answers to the ratings' schema, so the answer is JSON; the rating's token is found inside it,
     * even joined to JSON punctuation, and the expectation is the same as from a line.
     */
    @Test
    void withStructuredOutputTheExpectationIsReadAtTheRatingTokenInsideTheJson() {
        List<Token> tokens = new ArrayList<>(List.of(ScriptedModel.spelled("{\"ratings\":[{\"memory\":1,\"rating\":")));
        tokens.add(new Token("7", 0.5, Map.of("8", 0.3, "6", 0.1, "seven", 0.05)));
        tokens.addAll(List.of(ScriptedModel.spelled("},{\"memory\":2,\"rating\":")));
        tokens.add(new Token("3}", 0.6, Map.of("2}", 0.3, "10}", 0.1)));
        tokens.addAll(List.of(ScriptedModel.spelled("]}")));
        SERVER.on(CHAT, ScriptedModel.tokens(tokens.toArray(Token[]::new)));

        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories", List.of(
                Map.of("text", "Isabella's mother called with bad news", "at", "2026-02-13T09:05:00"),
                Map.of("text", "Isabella folded the laundry", "at", "2026-02-13T09:10:00")));

        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        JsonNode memories = response.body().path("memories");
        assertThat(memories.get(0).path("importance").asDouble()).isCloseTo(6.5 / 0.9, offset(1e-5));
        assertThat(memories.get(0).path("importanceFrom").asString()).isEqualTo("logprobs");
        assertThat(memories.get(1).path("importance").asDouble()).isCloseTo(3 * 0.6 + 2 * 0.3 + 10 * 0.1,
                offset(1e-5));
        assertThat(memories.get(1).path("importanceFrom").asString()).isEqualTo("logprobs");
        JsonNode sent = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(SERVER.received().get(SERVER.received().size() - 1).body());
        assertThat(sent.path("response_format").path("json_schema").path("name").asString())
                .isEqualTo("agent-importance");
        assertThat(sent.path("logprobs").asBoolean()).isTrue();
    }

    @Test
    void looseRatingsAreRead() {
        SERVER.on(CHAT, ScriptedModel.text("Sure! Here are the ratings:\n\n- **1.** 8/10\n- Memory 2: rating 2"));
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories", List.of(
                Map.of("text", "Isabella won the baking contest", "at", "2026-02-13T10:00:00"),
                Map.of("text", "Isabella tied her shoes", "at", "2026-02-13T10:05:00")));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        assertThat(response.body().path("memories").get(0).path("importance").asDouble()).isEqualTo(8);
        assertThat(response.body().path("memories").get(1).path("importance").asDouble()).isEqualTo(2);
        assertThat(response.body().path("memories").get(1).path("importanceFrom").asString()).isEqualTo("model");
    }

    @Test
    void withoutLogprobsImportanceIsTheParsedInteger() {
        SERVER.on(CHAT, ScriptedModel.text("1: 9"));
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories",
                Map.of("text", "Isabella got engaged", "at", "2026-02-13T08:00:00"));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        assertThat(response.body().path("importance").asDouble()).isEqualTo(9);
        assertThat(response.body().path("importanceFrom").asString()).isEqualTo("model");
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isOne();
    }

    @Test
    void garbageRatingsFallBackToTheDefaultAndAreCounted() {
        double fallbacks = fallbacks();
        SERVER.on(CHAT, ScriptedModel.text("As an AI I find all memories equally meaningful.\n2: eleven\n3: 11"));
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories", List.of(
                Map.of("text", "Isabella watered the plants"), Map.of("text", "Isabella met Klaus"),
                Map.of("text", "Isabella read a book")));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        response.body().path("memories").forEach(memory -> {
            assertThat(memory.path("importance").asDouble()).isEqualTo(5);
            assertThat(memory.path("importanceFrom").asString()).isEqualTo("default");
        });
        assertThat(fallbacks() - fallbacks).isEqualTo(3);
    }

    @Test
    void aModelThatAnswersGarbageJsonIsNeverA500() {
        SERVER.on(CHAT, FakeHttpServer.json(200, "{\"choices\":\"nope\"}"));
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories",
                Map.of("text", "Isabella baked bread"));
        assertThat(response.status()).as(response.raw()).isIn(201, 502);
    }

    private double fallbacks() {
        return meters.find("lore.agents.importance.fallbacks").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
