package dev.lore.agents;

import static dev.lore.agents.ScriptedModel.CHAT;
import static dev.lore.agents.ScriptedModel.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reflection, planning, interviews and conversations against a scripted OpenAI-compatible server: the evidence a
 * reflection stores, plan decomposition and re-planning, turn limits, model calls counted, and garbage asked for
 * again, then replaced by a fallback that is counted (never a half reflection).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentsMindApiTests extends IntegrationTest {

    private static final FakeHttpServer SERVER = new FakeHttpServer();
    private static final Pattern NUMBERED = Pattern.compile("^(\\d+)\\. (.*)$", Pattern.MULTILINE);

    private String simulation;

    @Autowired
    private MeterRegistry meters;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.agents.reflection-threshold", () -> "20");
        registry.add("lore.models.resilience.max-attempts", () -> "1");
    }

    @BeforeAll
    void create() {
        SERVER.on("/v1/models", FakeHttpServer.json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        simulation = AgentsFixture.simulation(admin(), "smallville", "2026-02-13T07:00:00", null);
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void reflectionStoresInsightsWhoseEvidenceExistsAndDropsInvalidIndices() {
        String klaus = AgentsFixture.agent(admin(), simulation, "Klaus", List.of());
        Map<String, String> idsByText = new HashMap<>();
        for (String text : List.of("Klaus is writing a research paper on gentrification",
                "Klaus spent the morning in the library", "Klaus had lunch with Maria",
                "Klaus read about urban history")) {
            idsByText.put(text, AgentsFixture.remember(admin(), klaus, text, "2026-02-13T06:30:00", 3));
        }
        SERVER.on(CHAT, text("1. What is Klaus working on?\n2. Who does Klaus spend time with?\n3. What does Klaus "
                + "care about?"), text("Klaus is dedicated to his research (because of 1, 2)\nKlaus enjoys Maria's "
                        + "company (because of 3, 99)\nKlaus knows nothing here (because of 42)\nsome chatter"),
                text("1: 7\n2: 6"));
        long before = SERVER.count(CHAT);

        Api.Response response = admin().post("/api/v1/agents/" + klaus + "/reflect", Map.of());

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(SERVER.count(CHAT) - before).as("questions, insights, one rating").isEqualTo(3);
        assertThat(response.header("Lore-Usage")).startsWith("llmCalls=3,");
        Map<Integer, String> statements = numbered(prompt(2));
        JsonNode reflections = response.body();
        assertThat(reflections).hasSize(2);
        assertThat(reflections.get(0).path("text").asString()).isEqualTo("Klaus is dedicated to his research");
        assertThat(ids(reflections.get(0).path("evidence")))
                .containsExactly(idsByText.get(statements.get(1)), idsByText.get(statements.get(2)));
        assertThat(ids(reflections.get(1).path("evidence"))).containsExactly(idsByText.get(statements.get(3)));
        assertThat(reflections.get(0).path("importance").asDouble()).isEqualTo(7);
        JsonNode agent = admin().get("/api/v1/agents/" + klaus).body();
        assertThat(agent.path("memories").asLong()).isEqualTo(6);
        assertThat(agent.path("importanceSinceReflection").asDouble()).isZero();
    }

    /**
     * Unreadable questions or insights are asked for once more with the form restated; still unreadable, the agent
     * keeps going without a reflection (never a half one), the fallback counted, and waits for new memories.
     */
    @Test
    void garbageQuestionsOrInsightsAreAskedAgainThenSkippedCountedAndWriteNoHalfReflection() {
        String eddy = AgentsFixture.agent(admin(), simulation, "Eddy", List.of());
        AgentsFixture.remember(admin(), eddy, "Eddy composed a song", "2026-02-13T06:00:00", 4);
        double questionsBefore = unreadable("agent-reflection-questions");
        SERVER.on(CHAT, text("   \n\n"));
        long before = SERVER.count(CHAT);
        Api.Response noQuestions = admin().post("/api/v1/agents/" + eddy + "/reflect", Map.of());
        assertThat(noQuestions.status()).as(noQuestions.raw()).isEqualTo(200);
        assertThat(noQuestions.body()).isEmpty();
        assertThat(SERVER.count(CHAT) - before).as("asked, asked again").isEqualTo(2);
        assertThat(prompt(1)).as("the form restated: the schema, as the backend enforces it")
                .contains("could not be read").contains("\"questions\"");
        assertThat(unreadable("agent-reflection-questions") - questionsBefore).isEqualTo(1);
        assertThat(admin().get("/api/v1/agents/" + eddy).body().path("importanceSinceReflection").asDouble())
                .isZero();

        double insightsBefore = unreadable("agent-reflection-insights");
        SERVER.on(CHAT, text("What does Eddy love?"), text("I would rather not say."));
        Api.Response noInsights = admin().post("/api/v1/agents/" + eddy + "/reflect", Map.of());
        assertThat(noInsights.status()).as(noInsights.raw()).isEqualTo(200);
        assertThat(noInsights.body()).isEmpty();
        assertThat(unreadable("agent-reflection-insights") - insightsBefore).isEqualTo(1);
        assertThat(admin().get("/api/v1/agents/" + eddy).body().path("memories").asLong()).isOne();
    }

    @Test
    void memoriesWhoseImportanceSumsPastTheThresholdTriggerAReflection() {
        String abigail = AgentsFixture.agent(admin(), simulation, "Abigail", List.of());
        AgentsFixture.remember(admin(), abigail, "Abigail lost her job", "2026-02-13T06:00:00", 9);
        AgentsFixture.remember(admin(), abigail, "Abigail's cat is ill", "2026-02-13T06:10:00", 9);
        SERVER.on(CHAT, text("How is Abigail coping?"), text("Abigail is under strain (because of 1, 2, 3)"),
                text("1: 8"));
        long before = SERVER.count(CHAT);

        Api.Response response = admin().post("/api/v1/agents/" + abigail + "/memories",
                Map.of("text", "Abigail's landlord raised the rent", "at", "2026-02-13T06:20:00", "importance", 7));

        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        assertThat(SERVER.count(CHAT) - before).isEqualTo(3);
        assertThat(response.body().path("reflections")).hasSize(1);
        assertThat(response.body().path("reflections").get(0).path("evidence")).hasSize(3);
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isEqualTo(3);
    }

    @Test
    void aPlanDecomposesOnlyTheHourAboutToRunAndReplanningReplacesTheRestOfItsBlock() {
        String isabella = AgentsFixture.agent(admin(), simulation, "Isabella", List.of());
        SERVER.on(CHAT, text("1) 07:00 - wake up and have breakfast\n2) 08:00 - open Hobbs Cafe\n"
                        + "3) 12:00 - lunch\n4) 22:00 - go to bed"),
                text("07:00 | have breakfast | home\n08:00 | open the cafe | Hobbs Cafe\n"
                        + "09:00 | serve customers | Hobbs Cafe\nnoise without a time"),
                text("07:00 | 10 | wake up and stretch\n07:10 | 20 | make coffee\n07:30 | 15 | eat breakfast\n"
                        + "09:00 | 10 | outside the block"),
                text("1: 4"));
        long before = SERVER.count(CHAT);

        Api.Response planned = admin().post("/api/v1/agents/" + isabella + "/plan", Map.of("day", "2026-02-13"));

        assertThat(planned.status()).as(planned.raw()).isEqualTo(200);
        assertThat(SERVER.count(CHAT) - before).as("day, hours, one hour's actions, one rating").isEqualTo(4);
        assertThat(planned.body().path("usage").path("llmCalls").asLong()).isEqualTo(4);
        assertThat(planned.body().path("decomposed").asString()).isEqualTo("2026-02-13T07:00:00");
        assertThat(items(planned.body())).containsExactly(
                "2026-02-13T07:00:00 10 wake up and stretch", "2026-02-13T07:10:00 15 make coffee",
                "2026-02-13T07:30:00 15 eat breakfast", "2026-02-13T08:00:00 60 open the cafe",
                "2026-02-13T09:00:00 60 serve customers");
        assertThat(planned.body().path("items").get(3).path("location").asString()).isEqualTo("Hobbs Cafe");
        JsonNode agent = admin().get("/api/v1/agents/" + isabella).body();
        assertThat(agent.path("plan").path("day").asString()).isEqualTo("2026-02-13");
        assertThat(agent.path("memories").asLong()).as("the plan is a memory too").isOne();

        SERVER.on(CHAT, text("07:20 | 15 | talk with Maria at the door\n07:35 | 15 | have breakfast with Maria"),
                text("1: 6"));
        Api.Response replanned = admin().post("/api/v1/agents/" + isabella + "/plan", Map.of("day", "2026-02-13",
                "at", "2026-02-13T07:20:00", "reaction", "Maria knocks on the door"));

        assertThat(replanned.status()).as(replanned.raw()).isEqualTo(200);
        assertThat(replanned.body().path("usage").path("llmCalls").asLong()).isEqualTo(2);
        assertThat(items(replanned.body())).containsExactly(
                "2026-02-13T07:00:00 10 wake up and stretch", "2026-02-13T07:10:00 10 make coffee",
                "2026-02-13T07:20:00 15 talk with Maria at the door",
                "2026-02-13T07:35:00 15 have breakfast with Maria", "2026-02-13T08:00:00 60 open the cafe",
                "2026-02-13T09:00:00 60 serve customers");
        assertThat(prompt(2)).contains("Maria knocks on the door").contains("07:20");

        // a model that answers no plan at all: each part asked twice, then the agent keeps to a plain day, counted
        double before2 = unreadable("agent-plan-day");
        SERVER.on(CHAT, text("I am not in the mood to plan."));
        Api.Response garbage = admin().post("/api/v1/agents/" + isabella + "/plan", Map.of("day", "2026-02-14"));
        assertThat(garbage.status()).as(garbage.raw()).isEqualTo(200);
        assertThat(garbage.body().path("unreadable")).hasSize(3);
        assertThat(garbage.body().path("usage").path("llmCalls").asLong()).as("three parts twice, one rating")
                .isEqualTo(7);
        assertThat(garbage.body().path("items")).hasSize(1);
        assertThat(unreadable("agent-plan-day") - before2).isEqualTo(1);
        assertThat(admin().get("/api/v1/agents/" + isabella).body().path("plan").path("day").asString())
                .isEqualTo("2026-02-14");
    }

    @Test
    void planningBadInput() {
        String tom = AgentsFixture.agent(admin(), simulation, "Tom", List.of());
        Api.Response badDay = admin().post("/api/v1/agents/" + tom + "/plan", Map.of("day", "tomorrow"));
        assertThat(badDay.status()).isEqualTo(400);
        Api.Response noPlan = admin().post("/api/v1/agents/" + tom + "/plan", Map.of("day", "2026-02-13",
                "reaction", "it rains"));
        assertThat(noPlan.status()).as(noPlan.raw()).isEqualTo(409);
        assertThat(noPlan.problemType()).isEqualTo("no-plan");
    }

    @Test
    void anInterviewAnswersFromTheMemoriesTheQuestionRetrieves() {
        String maria = AgentsFixture.agent(admin(), simulation, "Maria", List.of());
        String crush = AgentsFixture.remember(admin(), maria, "Maria has a crush on Klaus", "2026-02-13T06:00:00", 8);
        SERVER.on(CHAT, text("I'd love to go to the party with Klaus!"));

        Api.Response response = admin().post("/api/v1/agents/" + maria + "/interview",
                Map.of("question", "Who would you like to take to the party?"));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(response.body().path("answer").asString()).isEqualTo("I'd love to go to the party with Klaus!");
        assertThat(ids(response.body().path("memories"))).containsExactly(crush);
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isOne();
        assertThat(prompt(1)).contains("Maria has a crush on Klaus")
                .contains("Who would you like to take to the party?");
        Api.Response empty = admin().post("/api/v1/agents/" + maria + "/interview", Map.of("question", " "));
        assertThat(empty.status()).isEqualTo(400);
    }

    @Test
    void aConversationStopsAtEightTurnsOrWhenASpeakerEndsItAndIsRememberedByBoth() {
        String sam = AgentsFixture.agent(admin(), simulation, "Sam", List.of());
        String jennifer = AgentsFixture.agent(admin(), simulation, "Jennifer", List.of());
        AgentsFixture.remember(admin(), sam, "Jennifer paints watercolours", "2026-02-13T06:00:00", 3);
        List<FakeHttpServer.Response> endless = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            endless.add(text("Line " + (i + 1) + ", and I have more to say."));
        }
        endless.add(text("1: 5"));
        SERVER.on(CHAT, endless.toArray(FakeHttpServer.Response[]::new));

        Api.Response response = admin().post("/api/v1/agents/" + sam + "/converse", Map.of("with", jennifer));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode turns = response.body().path("turns");
        assertThat(turns).hasSize(8);
        assertThat(turns.get(0).path("speaker").asString()).isEqualTo("Sam");
        assertThat(turns.get(1).path("speaker").asString()).isEqualTo("Jennifer");
        assertThat(response.body().path("ended").asBoolean()).isFalse();
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isEqualTo(9);
        assertThat(response.body().path("memories")).hasSize(2);
        assertThat(prompt(9)).contains("Jennifer paints watercolours");

        SERVER.on(CHAT, text("Hi Sam!"), text("Sam: Hi Jennifer, I must run. [END]"), text("1: 2"));
        Api.Response short_ = admin().post("/api/v1/agents/" + jennifer + "/converse", Map.of("with", sam));
        assertThat(short_.status()).as(short_.raw()).isEqualTo(200);
        assertThat(short_.body().path("turns")).hasSize(2);
        assertThat(short_.body().path("turns").get(1).path("text").asString()).isEqualTo("Hi Jennifer, I must run.");
        assertThat(short_.body().path("ended").asBoolean()).isTrue();
        assertThat(short_.body().path("usage").path("llmCalls").asLong()).isEqualTo(3);
        Api.Response memories = admin().get("/api/v1/agents/" + sam + "/memories?query=Jennifer&k=10");
        assertThat(memories.body().findValuesAsString("kind")).contains("chat");

        String elsewhere = AgentsFixture.agent(admin(),
                AgentsFixture.simulation(admin(), "elsewhere", "2026-02-13T07:00:00", null), "Ghost", List.of());
        assertThat(admin().post("/api/v1/agents/" + sam + "/converse", Map.of("with", sam)).status()).isEqualTo(400);
        assertThat(admin().post("/api/v1/agents/" + sam + "/converse", Map.of("with", elsewhere)).status())
                .isEqualTo(400);
        assertThat(admin().post("/api/v1/agents/" + sam + "/converse", Map.of()).status()).isEqualTo(400);
        Api.Response unknown = admin().post("/api/v1/agents/" + sam + "/converse",
                Map.of("with", java.util.UUID.randomUUID().toString()));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("agent-not-found");
    }

    private double unreadable(String prompt) {
        return meters.find("lore.agents.unreadable").tag("prompt", prompt).counters().stream()
                .mapToDouble(counter -> counter.count()).sum();
    }

    private static List<String> items(JsonNode plan) {
        List<String> items = new ArrayList<>();
        plan.path("items").forEach(item -> items.add(item.path("start").asString() + " "
                + item.path("minutes").asInt() + " " + item.path("activity").asString()));
        return items;
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(id -> ids.add(id.asString()));
        return ids;
    }

    /** The prompt of a chat request the server received, counted from the last ({@code 1}). */
    private static String prompt(int fromLast) {
        List<FakeHttpServer.Received> chats = SERVER.received().stream().filter(r -> r.path().equals(CHAT)).toList();
        JsonNode body = JsonMapper.builder().build().readTree(chats.get(chats.size() - fromLast).body());
        return body.path("messages").get(body.path("messages").size() - 1).path("content").asString();
    }

    private static Map<Integer, String> numbered(String prompt) {
        Map<Integer, String> statements = new HashMap<>();
        Matcher matcher = NUMBERED.matcher(prompt);
        while (matcher.find()) {
            statements.put(Integer.parseInt(matcher.group(1)), matcher.group(2));
        }
        return statements;
    }
}
