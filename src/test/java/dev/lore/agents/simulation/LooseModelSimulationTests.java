package dev.lore.agents.simulation;

import static dev.lore.agents.AgentsFixture.agent;
import static dev.lore.agents.AgentsFixture.simulation;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Steps, requested and scheduled, with models that answer the way chatty small models do: the town's answers with a
 * preamble, Markdown bullets and bold, 12-hour times, "15 min", the speaker's name before a line and "n/10" ratings
 * are read (no fallback, no failed step); a model that declines everything runs its steps on fallbacks, each counted
 * and named in the step's events, and no step fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LooseModelSimulationTests extends IntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DECLINE = "I'm sorry, but I can't help with that request.";
    private static final Pattern CLOCK = Pattern.compile("\\b(\\d{2}):(\\d{2})\\b");

    private static volatile boolean declining;
    private static final FakeHttpServer SERVER = serve();

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private Stepper stepper;

    @Autowired
    private MeterRegistry meters;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.max-attempts", () -> "1");
        registry.add("lore.agents.reflection-threshold", () -> "40");
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void looseAnswersAreReadInRequestedAndScheduledStepsWithNoFallbackAndNoFailedStep() {
        declining = false;
        double unreadableBefore = unreadable();
        String simulation = simulation(admin(), "loose-town", "2026-02-13T08:00:00", 30);
        String alice = agent(admin(), simulation, "Alice", "Hobbs Cafe");
        agent(admin(), simulation, "Bob", "Hobbs Cafe");

        Api.Response stepped = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 2));
        assertThat(stepped.status()).as(stepped.raw()).isEqualTo(200);
        running(simulation);
        for (int tick = 0; tick < 4; tick++) {
            assertThat(stepper.tick(UUID.fromString(simulation))).isEqualTo(Stepper.TickOutcome.STEPPED);
        }

        List<JsonNode> events = events(simulation);
        assertThat(events).hasSize(12);
        assertThat(events).allSatisfy(event -> assertThat(event.has("unreadable")).as(event.toString()).isFalse());
        assertThat(events).as("the loose decision was read: they talk").anyMatch(event -> event.path("kind")
                .asString().equals("talk"));
        assertThat(unreadable() - unreadableBefore).isZero();
        assertNoFailedStep(simulation, 6);
        JsonNode plan = admin().get("/api/v1/agents/" + alice).body().path("plan");
        assertThat(plan.path("outline")).as("the outline as the model wrote it, times read from 12-hour form")
                .hasSize(5);
        assertThat(plan.path("outline").get(1).asString()).isEqualTo("08:00 - Work on the morning's tasks");
        assertThat(plan.path("blocks")).hasSize(12);
        assertThat(plan.path("blocks").get(11).path("start").asString()).isEqualTo("2026-02-13T18:00:00");
        assertThat(plan.path("actions").get(0).path("activity").asString()).as(plan.toString()).startsWith("Step ");
        assertThat(plan.path("actions").get(0).path("minutes").asInt()).isEqualTo(15);
    }

    @Test
    void aModelThatDeclinesEverythingRunsItsStepsOnFallbacksCountedAndShownNeverFailing() {
        declining = true;
        try {
            double dayBefore = unreadable("agent-plan-day");
            double decideBefore = unreadable("agent-react");
            String simulation = simulation(admin(), "declining-town", "2026-02-13T08:00:00", 30);
            String carol = agent(admin(), simulation, "Carol", "Library");
            agent(admin(), simulation, "Dave", "Library");

            Api.Response stepped = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of());
            assertThat(stepped.status()).as(stepped.raw()).isEqualTo(200);
            running(simulation);
            assertThat(stepper.tick(UUID.fromString(simulation))).isEqualTo(Stepper.TickOutcome.STEPPED);

            List<JsonNode> events = events(simulation);
            assertThat(events).hasSize(4);
            JsonNode first = events.get(0);
            assertThat(first.path("unreadable").values().stream().map(JsonNode::asString).toList())
                    .contains("agent-plan-day", "agent-plan-hours", "agent-plan-actions", "agent-react");
            assertThat(first.path("kind").asString()).as("kept to its fallback plan").isEqualTo("plan");
            assertThat(first.path("action").asString()).isEqualTo("go about the day as usual");
            assertThat(unreadable("agent-plan-day") - dayBefore).as("once per agent, however many passes")
                    .isEqualTo(2);
            assertThat(unreadable("agent-react") - decideBefore).isEqualTo(2);
            assertNoFailedStep(simulation, 2);
            JsonNode plan = admin().get("/api/v1/agents/" + carol).body().path("plan");
            assertThat(plan.path("blocks")).hasSize(1);
            assertThat(plan.path("blocks").get(0).path("start").asString()).isEqualTo("2026-02-13T08:00:00");
        }
        finally {
            declining = false;
        }
    }

    /** As a schedule leaves it, without a scheduler firing: the ticks here are the test's. */
    private void running(String simulation) {
        jdbc.sql("UPDATE simulations SET status = 'running' WHERE id = CAST(:id AS uuid)").param("id", simulation)
                .update();
    }

    private void assertNoFailedStep(String simulation, long steps) {
        Map<String, Object> row = jdbc.sql("""
                SELECT step, status, consecutive_failures, last_error FROM simulations WHERE id = CAST(:id AS uuid)""")
                .param("id", simulation).query().singleRow();
        assertThat(((Number) row.get("step")).longValue()).isEqualTo(steps);
        assertThat(row.get("status")).isNotEqualTo("paused");
        assertThat(((Number) row.get("consecutive_failures")).intValue()).isZero();
        assertThat(row.get("last_error")).as("no step failed").isNull();
        assertThat(jdbc.sql("""
                SELECT count(*) FROM simulation_steps WHERE simulation_id = CAST(:id AS uuid) AND error IS NOT NULL""")
                .param("id", simulation).query(Long.class).single()).isZero();
    }

    private List<JsonNode> events(String simulation) {
        Api.Response steps = admin().get("/api/v1/simulations/" + simulation + "/steps?from=0");
        assertThat(steps.status()).as(steps.raw()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        steps.body().forEach(step -> step.path("events").forEach(events::add));
        return events;
    }

    private double unreadable() {
        return meters.find("lore.agents.unreadable").counters().stream().mapToDouble(counter -> counter.count())
                .sum();
    }

    private double unreadable(String prompt) {
        return meters.find("lore.agents.unreadable").tag("prompt", prompt).counters().stream()
                .mapToDouble(counter -> counter.count()).sum();
    }

    private static FakeHttpServer serve() {
        FakeHttpServer server = new FakeHttpServer();
        server.on("/v1/models", FakeHttpServer.json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        server.on(TownModel.CHAT, FakeHttpServer.reading(loose()));
        return server;
    }

    /** The town's answers, written the way a chatty small model writes them. */
    private static Function<String, FakeHttpServer.Response> loose() {
        return body -> {
            JsonNode messages = JSON.readTree(body).path("messages");
            String prompt = messages.get(0).path("content").asString();
            String kind = TownModel.kind(prompt);
            String answer = declining ? DECLINE : loosen(kind, TownModel.agent(prompt),
                    TownModel.answer(kind, prompt));
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("message", Map.of("role", "assistant", "content", answer));
            choice.put("finish_reason", "stop");
            return FakeHttpServer.json(200, JSON.writeValueAsString(Map.of("id", "c", "object", "chat.completion",
                    "created", 1, "model", "gpt-test", "choices", List.of(choice), "usage",
                    Map.of("prompt_tokens", 10, "completion_tokens", 5, "total_tokens", 15))));
        };
    }

    private static String loosen(String kind, String agent, String answer) {
        return switch (kind) {
            case "importance" -> "Sure! Here are my ratings:\n\n" + answer.lines()
                    .map(line -> line.replaceFirst("^(\\d+): (\\d+)$", "$1. **$2/10**"))
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            case "plan-day" -> "Here's " + agent + "'s day:\n\n" + answer.lines()
                    .map(line -> "- **" + twelveHour(line.substring(0, 5)) + "** - " + capitalized(line.substring(8)))
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            case "plan-hours" -> "Here you go:\n\n" + answer.lines()
                    .map(line -> "- **" + twelveHour(line.substring(0, 5)) + "** | " + line.substring(8))
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            case "plan-actions" -> "Of course! " + agent + "'s next steps:\n" + answer.lines()
                    .map(line -> line.split(" \\| "))
                    .map(parts -> "* " + twelveHour(parts[0]) + " | " + parts[1] + " min | " + capitalized(parts[2]))
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            case "decide" -> "Let me think about it.\n\n**Decision:** " + answer.replaceFirst("^TALK ", "TALK to ");
            case "converse" -> agent + ": \"" + answer + "\"";
            case "reflect-questions" -> "Here are three questions:\n\n" + numbered(answer);
            case "reflect-insights" -> "Insights:\n" + answer.lines()
                    .map(line -> "- **" + line.substring(0, line.indexOf(" (")) + "**" + line.substring(
                            line.indexOf(" (")))
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            default -> answer;
        };
    }

    private static String numbered(String lines) {
        List<String> numbered = new ArrayList<>();
        lines.lines().forEach(line -> numbered.add((numbered.size() + 1) + ". **" + line + "**"));
        return String.join("\n", numbered);
    }

    private static String twelveHour(String hhmm) {
        Matcher clock = CLOCK.matcher(hhmm);
        if (!clock.find()) {
            return hhmm;
        }
        int hour = Integer.parseInt(clock.group(1));
        return (hour % 12 == 0 ? 12 : hour % 12) + ":" + clock.group(2) + (hour < 12 ? " AM" : " PM");
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
