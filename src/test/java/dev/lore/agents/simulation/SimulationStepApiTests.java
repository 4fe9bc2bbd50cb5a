package dev.lore.agents.simulation;

import static dev.lore.agents.AgentsFixture.agent;
import static dev.lore.agents.AgentsFixture.simulation;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Steps requested over HTTP against a scripted town model: what a step does and records, the calls it makes (none
 * when nothing new happens), a failed step resumed without repeating the agents that finished, and bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulationStepApiTests extends IntegrationTest {

    private static final TownModel TOWN = new TownModel();
    private static final FakeHttpServer SERVER = TownModel.serve(TOWN);

    @Autowired
    private JdbcClient jdbc;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.max-attempts", () -> "1");
        registry.add("lore.agents.simulation.min-interval", () -> "2s");
        registry.add("lore.agents.simulation.max-steps-per-request", () -> "50");
    }

    @AfterEach
    void heal() {
        TOWN.failing(prompt -> false);
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void stepsRecordTheirEventsAndModelUseOnceEachAndMoveTheClock() {
        String simulation = simulation(admin(), "stepping-town", "2026-02-13T08:00:00", 10);
        String alice = agent(admin(), simulation, "Alice", "Hobbs Cafe");
        String bob = agent(admin(), simulation, "Bob", "Hobbs Cafe");
        long before = TOWN.calls();

        Api.Response response = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 3));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode body = response.body();
        assertThat(body.path("step").asLong()).isEqualTo(3);
        assertThat(body.path("stepsRun").asInt()).isEqualTo(3);
        assertThat(body.path("clock").asString()).isEqualTo("2026-02-13T08:30:00");
        assertThat(body.path("events")).hasSize(6);
        assertThat(body.path("usage").path("llmCalls").asLong()).as("every call counted, none twice")
                .isEqualTo(TOWN.calls() - before);
        JsonNode first = body.path("events").get(0);
        assertThat(first.path("agentId").asString()).isEqualTo(alice);
        assertThat(first.path("at").asString()).isEqualTo("2026-02-13T08:00:00");
        // on the hour, Alice sees Bob at the cafe and talks to him; Bob spends his part of the step talking
        assertThat(first.path("kind").asString()).isEqualTo("talk");
        assertThat(first.path("with").asString()).isEqualTo(bob);
        assertThat(body.path("events").get(1).path("action").asString()).isEqualTo("talking with Alice");

        List<JsonNode> steps = list(admin().get("/api/v1/simulations/" + simulation + "/steps?from=0"));
        assertThat(steps).extracting(step -> step.path("step").asLong()).containsExactly(1L, 2L, 3L);
        assertThat(steps).extracting(step -> step.path("clock").asString()).containsExactly("2026-02-13T08:00:00",
                "2026-02-13T08:10:00", "2026-02-13T08:20:00");
        long summed = 0;
        for (JsonNode step : steps) {
            assertThat(step.path("finishedAt").isMissingNode()).isFalse();
            assertThat(step.path("runs").asInt()).isEqualTo(1);
            assertThat(step.path("instance").asString()).isNotBlank();
            assertThat(step.path("events")).hasSize(2);
            summed += step.path("usage").path("llmCalls").asLong();
        }
        assertThat(summed).isEqualTo(body.path("usage").path("llmCalls").asLong());
        assertThat(list(admin().get("/api/v1/simulations/" + simulation + "/steps?from=3"))).hasSize(1);

        JsonNode view = admin().get("/api/v1/simulations/" + simulation).body();
        assertThat(view.path("step").asLong()).isEqualTo(3);
        assertThat(view.path("status").asString()).isEqualTo("paused");
        assertThat(view.path("usage").path("llmCalls").asLong()).isEqualTo(summed);
        assertThat(view.path("agents").get(0).path("usage").path("llmCalls").asLong()).isPositive();
        assertThat(view.path("stepping").isMissingNode()).isTrue();
        Api.Response metric = admin().get("/actuator/metrics/lore.simulation.llm.calls?tag=simulation:" + simulation);
        assertThat(metric.status()).as(metric.raw()).isEqualTo(200);
        assertThat(metric.body().path("measurements").get(0).path("value").asDouble()).isEqualTo((double) summed);
        // the conversation is in each stream once, and so is the sight of the other at the cafe
        assertThat(memories(alice, "chat")).isEqualTo(1);
        assertThat(memories(bob, "chat")).isEqualTo(1);
        assertThat(jdbc.sql("""
                SELECT count(*) FROM memories WHERE agent_id = CAST(:agent AS uuid) AND text LIKE 'Bob is at Hobbs Cafe%'
                """).param("agent", alice).query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void anAgentWithNothingNewToPerceiveFollowsItsPlanWithoutAModelCall() {
        String simulation = simulation(admin(), "quiet-town", "2026-02-13T08:00:00", 10);
        agent(admin(), simulation, "Hermit", "Hobbs Cafe");
        admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1));
        long decisions = TOWN.calls("decide");
        long before = TOWN.calls();

        // 08:10 to 08:50: the 08:00 block is already broken into actions and nobody comes by
        Api.Response response = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 5));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(TOWN.calls() - before).isZero();
        assertThat(TOWN.calls("decide")).isEqualTo(decisions);
        assertThat(response.body().path("usage").path("llmCalls").asLong()).isZero();
        assertThat(response.body().path("events")).allSatisfy(event -> assertThat(event.path("kind").asString())
                .isEqualTo("plan"));

        // 09:00: a new hour block begins and is broken into actions, one call
        admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1));
        assertThat(TOWN.calls() - before).isEqualTo(1);
    }

    @Test
    void aFailedStepIsResumedWithoutRepeatingTheAgentsThatFinishedIt() {
        String simulation = simulation(admin(), "failing-town", "2026-02-13T08:00:00", 10);
        String alice = agent(admin(), simulation, "Alice", "Hobbs Cafe");
        String bob = agent(admin(), simulation, "Bob", "Hobbs Cafe");
        // Bob's own part fails; Alice's (which has Bob speak in a conversation) does not
        TOWN.failing(prompt -> prompt.startsWith("Bob:") && TownModel.kind(prompt).equals("plan-day"));

        Api.Response failed = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1));

        assertThat(failed.status()).as(failed.raw()).isBetween(500, 599);
        assertThat(failed.contentType()).startsWith("application/problem+json");
        JsonNode view = admin().get("/api/v1/simulations/" + simulation).body();
        assertThat(view.path("step").asLong()).isZero();
        assertThat(view.path("clock").asString()).isEqualTo("2026-02-13T08:00:00");
        assertThat(view.path("status").asString()).isEqualTo("paused");
        assertThat(view.path("lastError").asString()).isNotBlank();
        assertThat(view.path("consecutiveFailures").asInt()).isEqualTo(1);
        assertThat(view.path("stepping").path("step").asLong()).isEqualTo(1);
        assertThat(view.path("stepping").path("agentsDone").asInt()).isEqualTo(1);
        List<JsonNode> steps = list(admin().get("/api/v1/simulations/" + simulation + "/steps"));
        assertThat(steps).hasSize(1);
        assertThat(steps.get(0).path("finishedAt").isMissingNode()).isTrue();
        assertThat(steps.get(0).path("error").asString()).isNotBlank();
        long alicesMemories = memories(alice, null);
        String alicesPlan = admin().get("/api/v1/agents/" + alice).body().path("plan").toString();

        TOWN.failing(prompt -> false);
        Api.Response resumed = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1));

        assertThat(resumed.status()).as(resumed.raw()).isEqualTo(200);
        assertThat(resumed.body().path("step").asLong()).as("the same step, finished").isEqualTo(1);
        assertThat(resumed.body().path("events")).extracting(event -> event.path("agentId").asString())
                .containsExactly(alice, bob);
        steps = list(admin().get("/api/v1/simulations/" + simulation + "/steps"));
        assertThat(steps).hasSize(1);
        assertThat(steps.get(0).path("runs").asInt()).isEqualTo(2);
        assertThat(steps.get(0).path("error").isMissingNode()).isTrue();
        assertThat(memories(alice, null)).as("Alice's part was not run again").isEqualTo(alicesMemories);
        assertThat(admin().get("/api/v1/agents/" + alice).body().path("plan").toString()).isEqualTo(alicesPlan);
        assertThat(admin().get("/api/v1/agents/" + bob).body().path("plan").isObject()).isTrue();
        view = admin().get("/api/v1/simulations/" + simulation).body();
        assertThat(view.path("consecutiveFailures").asInt()).isZero();
        assertThat(view.path("step").asLong()).isEqualTo(1);
    }

    @Test
    void aScheduleCountsFailedStepsInARowAndPausesItselfInsteadOfBurningCalls() {
        String simulation = simulation(admin(), "down-town", "2026-02-13T08:00:00", 10);
        agent(admin(), simulation, "Alice", "Hobbs Cafe");
        String path = "/api/v1/simulations/" + simulation;
        assertThat(admin().put(path + "/schedule", Map.of("cron", "0 0 * * * *")).status()).isEqualTo(200);
        TOWN.failing(prompt -> true);

        for (int failure = 1; failure <= 3; failure++) {
            assertThat(admin().post(path + "/step", Map.of()).status()).isBetween(500, 599);
            JsonNode view = admin().get(path).body();
            assertThat(view.path("consecutiveFailures").asInt()).isEqualTo(failure);
            assertThat(view.path("status").asString()).isEqualTo(failure < 3 ? "running" : "paused");
        }

        JsonNode paused = admin().get(path).body();
        assertThat(paused.path("pausedReason").asString()).startsWith("paused after 3 failed steps in a row: ");
        assertThat(paused.path("schedule").asString()).as("kept, to resume").isEqualTo("0 0 * * * *");
        assertThat(paused.path("stepping").path("interrupted").asBoolean()).isTrue();
        TOWN.failing(prompt -> false);
        JsonNode resumed = admin().put(path + "/schedule", Map.of("cron", "0 0 * * * *")).body();
        assertThat(resumed.path("status").asString()).isEqualTo("running");
        assertThat(resumed.path("consecutiveFailures").asInt()).isZero();
        assertThat(resumed.path("pausedReason").isMissingNode()).isTrue();
    }

    @Test
    void aSimulationThatIsSteppingRefusesAnotherStepWith409() throws Exception {
        String simulation = simulation(admin(), "busy-town", "2026-02-13T08:00:00", 10);
        agent(admin(), simulation, "Alice", "Hobbs Cafe");
        TownModel.Hold hold = TOWN.hold(prompt -> prompt.startsWith("Alice:"));
        CompletableFuture<Api.Response> first = CompletableFuture.supplyAsync(() -> admin().post(
                "/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1)));
        try {
            assertThat(hold.reached().await(30, TimeUnit.SECONDS)).isTrue();
            Api.Response second = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of());
            assertProblem(second, 409, "simulation-stepping");
            JsonNode view = admin().get("/api/v1/simulations/" + simulation).body();
            assertThat(view.path("status").asString()).isEqualTo("stepping");
            assertThat(view.path("stepping").path("instance").asString()).isNotBlank();
        }
        finally {
            hold.release().countDown();
        }
        assertThat(first.get(60, TimeUnit.SECONDS).status()).isBetween(500, 599);
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        String simulation = simulation(admin(), "strict-town", "2026-02-13T08:00:00", 10);
        String path = "/api/v1/simulations/" + simulation;
        assertProblem(admin().post(path + "/step", Map.of("steps", 0)), 400, "invalid-request");
        assertProblem(admin().post(path + "/step", Map.of("steps", -3)), 400, "invalid-request");
        Api.Response tooMany = admin().post(path + "/step", Map.of("steps", 51));
        assertProblem(tooMany, 400, "invalid-request");
        assertThat(tooMany.body().path("detail").asString()).contains("between 1 and 50");
        assertThat(admin().post(path + "/step", "{\"steps\":\"many\"}").status()).isEqualTo(400);
        assertThat(admin().post(path + "/step", "{\"step\":2}").status()).isEqualTo(400);
        assertProblem(admin().get(path + "/steps?from=-1"), 400, "invalid-request");
        assertProblem(admin().get(path + "/steps?limit=0"), 400, "invalid-request");

        Api.Response notCron = admin().put(path + "/schedule", Map.of("cron", "every five minutes"));
        assertProblem(notCron, 400, "invalid-request");
        assertThat(notCron.body().path("detail").asString()).contains("every five minutes");
        Api.Response fiveFields = admin().put(path + "/schedule", Map.of("cron", "*/5 * * * *"));
        assertProblem(fiveFields, 400, "invalid-request");
        assertThat(fiveFields.body().path("detail").asString()).contains("five fields");
        Api.Response tooOften = admin().put(path + "/schedule", Map.of("cron", "* * * * * *"));
        assertProblem(tooOften, 400, "invalid-request");
        assertThat(tooOften.body().path("detail").asString()).contains("1000 ms apart").contains("2000 ms");
        Api.Response created = admin().post("/api/v1/simulations", Map.of("name", "x", "startsAt",
                "2026-02-13T08:00:00", "schedule", "0 0 25 * * *"));
        assertProblem(created, 400, "invalid-request");

        JsonNode view = admin().get(path).body();
        assertThat(view.path("step").asLong()).isZero();
        assertThat(view.path("schedule").isMissingNode()).isTrue();
        assertThat(view.path("status").asString()).isEqualTo("paused");
        assertThat(list(admin().get(path + "/steps"))).isEmpty();

        String reader = admin().post("/api/v1/keys", Map.of("name", "no-agents", "collections", List.of("*"),
                "permissions", List.of("read", "write"))).body().path("key").asString();
        assertProblem(as(reader).post(path + "/step", Map.of("steps", 1)), 404, "simulation-not-found");
        assertProblem(as(reader).get(path + "/steps"), 404, "simulation-not-found");
        assertProblem(as(reader).put(path + "/schedule", Map.of("cron", "0 */5 * * * *")), 404,
                "simulation-not-found");
        assertThat(admin().get(path).body().path("schedule").isMissingNode()).isTrue();
    }

    @Test
    void aScheduleIsStoredPausedAndResumedOverHttp() {
        String simulation = simulation(admin(), "scheduled-town", "2026-02-13T08:00:00", 10);
        String path = "/api/v1/simulations/" + simulation;

        Api.Response on = admin().put(path + "/schedule", Map.of("cron", "0 */5 * * * *"));

        assertThat(on.status()).as(on.raw()).isEqualTo(200);
        assertThat(on.body().path("schedule").asString()).isEqualTo("0 */5 * * * *");
        assertThat(on.body().path("status").asString()).isEqualTo("running");
        Api.Response off = admin().put(path + "/schedule", "{\"cron\":null}");
        assertThat(off.status()).as(off.raw()).isEqualTo(200);
        assertThat(off.body().path("status").asString()).isEqualTo("paused");
        assertThat(off.body().path("schedule").isMissingNode()).isTrue();
    }

    private long memories(String agent, String kind) {
        return jdbc.sql("SELECT count(*) FROM memories WHERE agent_id = CAST(:agent AS uuid)"
                + (kind == null ? "" : " AND kind = :kind")).param("agent", agent)
                .params(kind == null ? Map.of() : Map.of("kind", kind)).query(Long.class).single();
    }

    private static List<JsonNode> list(Api.Response response) {
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        response.body().forEach(items::add);
        return items;
    }

    private static void assertProblem(Api.Response response, int status, String type) {
        assertThat(response.status()).as(response.raw()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).as(response.raw()).isEqualTo(type);
    }
}
