package dev.lore.agents.simulation;

import static dev.lore.agents.AgentsFixture.agent;
import static dev.lore.agents.AgentsFixture.simulation;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Times an agent's memories can hold: a memory from decades before the simulation breaks neither retrieval (whole or
 * pooled), interviews, steps nor reflection; times ahead of the clock past a day, or outside years 1-9999, are
 * refused with nothing stored or marked accessed; a batch of memories is stored whole or not at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryBoundsApiTests extends IntegrationTest {

    private static final TownModel TOWN = new TownModel();
    private static final FakeHttpServer SERVER = TownModel.serve(TOWN);
    private static final String STARTS_AT = "2026-02-13T08:00:00";

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private MemoryStream stream;

    @Autowired
    private TransactionTemplate transactions;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.max-attempts", () -> "1");
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void aMemoryFromDecadesAgoBreaksNoRetrievalInterviewOrStep() {
        String simulation = simulation(admin(), "old-memories", STARTS_AT, 1440);
        String zed = agent(admin(), simulation, "Zed", "Hobbs Cafe");
        agent(admin(), simulation, "Ann", "Hobbs Cafe");
        remember(zed, Map.of("text", "Zed was born", "at", "2000-01-01T00:00:00", "importance", 9));
        remember(zed, Map.of("text", "Zed moved to town", "at", "2015-06-01T00:00:00", "importance", 5));
        remember(zed, Map.of("text", "Zed had breakfast", "at", "2026-02-13T07:00:00", "importance", 2));

        JsonNode ranked = ok(admin().get("/api/v1/agents/" + zed + "/memories?k=10&query=birth"));
        assertThat(ranked).hasSize(3);
        JsonNode born = byText(ranked, "Zed was born");
        assertThat(born.path("scores").path("raw").path("hours").asDouble()).isGreaterThan(200_000);
        assertThat(born.path("scores").path("recency").asDouble()).isZero();
        assertThat(byText(ranked, "Zed had breakfast").path("scores").path("recency").asDouble()).isEqualTo(1);
        assertThat(ok(admin().get("/api/v1/agents/" + zed + "/memories?k=10"))).hasSize(3);

        // a large stream's pooled candidates read the recency bounds from the oldest access as well
        List<ScoredMemory> pooled = transactions.execute(status -> {
            status.setRollbackOnly();
            return stream.retrieve(UUID.fromString(zed), "birth", 10, LocalDateTime.parse(STARTS_AT),
                    Weights.EQUAL, MemoryStream.Candidates.POOLS);
        });
        assertThat(pooled).hasSize(3);
        List<Double> byAge = pooled.stream().sorted(java.util.Comparator.comparing(s -> s.memory().at()))
                .map(s -> s.scores().raw().recency()).toList();
        assertThat(byAge).as("older memories are never more recent").isSortedAccordingTo(Double::compare);

        ok(admin().post("/api/v1/agents/" + zed + "/interview", Map.of("question", "When were you born?")));
        Api.Response stepped = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 2));
        assertThat(stepped.status()).as(stepped.raw()).isEqualTo(200);
        assertThat(stepped.body().path("step").asLong()).isEqualTo(2);
        JsonNode view = ok(admin().get("/api/v1/simulations/" + simulation));
        assertThat(view.path("lastError").isMissingNode()).as(view.toString()).isTrue();
    }

    @Test
    void aFullArrayForAnAgentWithAnOldMemoryIsStoredOnceAndAnswered201() {
        String simulation = simulation(admin(), "full-array", STARTS_AT, 1440);
        String zed = agent(admin(), simulation, "Zed", "Hobbs Cafe");
        remember(zed, Map.of("text", "Zed was born", "at", "2000-01-01T00:00:00", "importance", 9));
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(Map.of("text", "Zed counted sheep number " + i, "at", STARTS_AT, "importance", 9));
        }

        Api.Response added = admin().post("/api/v1/agents/" + zed + "/memories", batch);

        // 1,800 importance is past the reflection threshold: the reflection retrieves around the old memory
        assertThat(added.status()).as(added.raw()).isEqualTo(201);
        assertThat(added.body().path("memories")).hasSize(200);
        assertThat(added.body().path("reflections")).as("the reflection ran, and was not merely forgiven")
                .isNotEmpty();
        assertThat(count(zed, "observation")).isEqualTo(201);
    }

    @Test
    void anArrayWithOneBadTimeStoresNothing() {
        String simulation = simulation(admin(), "bad-array", STARTS_AT, 1440);
        String zed = agent(admin(), simulation, "Zed", "Hobbs Cafe");
        for (String bad : List.of("2026-02-14T08:00:01", "+300000-01-01T00:00:00", "-5000-01-01T00:00:00")) {
            List<Map<String, Object>> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                batch.add(Map.of("text", "Zed counted sheep number " + i, "at", i == 150 ? bad : STARTS_AT,
                        "importance", 3));
            }
            Api.Response refused = admin().post("/api/v1/agents/" + zed + "/memories", batch);
            assertThat(refused.status()).as(refused.raw()).isEqualTo(400);
            assertThat(refused.body().path("detail").asString()).contains("[150].at");
        }
        assertThat(count(zed, null)).isZero();
        assertThat(ok(admin().get("/api/v1/agents/" + zed)).path("memories").asLong()).isZero();
    }

    @Test
    void timesMoreThanADayAheadOfTheClockAreRefusedAndMarkNothingAccessed() {
        String simulation = simulation(admin(), "ahead", STARTS_AT, 1440);
        String zed = agent(admin(), simulation, "Zed", "Hobbs Cafe");
        String ann = agent(admin(), simulation, "Ann", "Hobbs Cafe");
        String memory = remember(zed, Map.of("text", "Zed plays chess", "at", STARTS_AT, "importance", 4));
        String agentPath = "/api/v1/agents/" + zed;

        assertProblem(admin().get(agentPath + "/memories?at=2060-01-01T00:00:00"), 400, "time-ahead-of-clock");
        assertProblem(admin().get(agentPath + "/memories?query=chess&at=2026-02-14T08:00:01"), 400,
                "time-ahead-of-clock");
        assertThat(lastAccess(memory)).as("no retrieval pinned it in the future")
                .isEqualTo(LocalDateTime.parse(STARTS_AT));
        assertProblem(admin().post(agentPath + "/memories", Map.of("text", "Zed won", "at", "2060-01-01T00:00:00")),
                400, "time-ahead-of-clock");
        assertProblem(admin().post(agentPath + "/interview", Map.of("question", "Who are you?", "at",
                "2060-01-01T00:00:00")), 400, "time-ahead-of-clock");
        assertProblem(admin().post(agentPath + "/converse", Map.of("with", ann, "at", "2060-01-01T00:00:00")), 400,
                "time-ahead-of-clock");
        assertProblem(admin().post(agentPath + "/reflect", Map.of("at", "2060-01-01T00:00:00")), 400,
                "time-ahead-of-clock");
        assertThat(count(zed, null)).isOne();
        assertThat(lastAccess(memory)).isEqualTo(LocalDateTime.parse(STARTS_AT));

        // up to a day ahead is the agent's near future, as a client driving it by hand may use it
        assertThat(ok(admin().get(agentPath + "/memories?at=2026-02-14T08:00:00"))).hasSize(1);
        assertThat(lastAccess(memory)).isEqualTo(LocalDateTime.parse("2026-02-14T08:00:00"));
        // and a retrieval in the past never moves an access back
        assertThat(ok(admin().get(agentPath + "/memories?at=2026-02-13T09:00:00"))).hasSize(1);
        assertThat(lastAccess(memory)).isEqualTo(LocalDateTime.parse("2026-02-14T08:00:00"));
    }

    @Test
    void timesOutsideYearsOneTo9999AreRefused() {
        for (String startsAt : List.of("+300000-01-01T00:00:00", "-5000-01-01T00:00:00", "0000-12-31T23:59:59",
                "+10000-01-01T00:00:00")) {
            assertProblem(admin().post("/api/v1/simulations", Map.of("name", "far", "startsAt", startsAt)), 400,
                    "time-out-of-range");
        }
        assertThat(simulation(admin(), "last-year", "9999-12-31T23:00:00", 1440)).isNotBlank();
        String zed = agent(admin(), simulation(admin(), "range", STARTS_AT, 1440), "Zed", "Hobbs Cafe");
        String agentPath = "/api/v1/agents/" + zed;
        assertProblem(admin().post(agentPath + "/memories", Map.of("text", "Zed was", "at", "-5000-01-01T00:00:00")),
                400, "time-out-of-range");
        assertProblem(admin().post(agentPath + "/memories", Map.of("text", "Zed was", "at", "+300000-01-01T00:00:00")),
                400, "time-out-of-range");
        assertProblem(admin().get(agentPath + "/memories?at=-5000-01-01T00:00:00"), 400, "time-out-of-range");
        assertProblem(admin().post(agentPath + "/plan", Map.of("day", "+300000-01-01")), 400, "time-out-of-range");
        assertProblem(admin().post(agentPath + "/plan", Map.of("day", "-5000-01-01")), 400, "time-out-of-range");
        assertThat(count(zed, null)).isZero();
    }

    @Test
    void stepPagesPastTheLastStepAreEmptyAndOutOfRangeNumbersAre400() {
        String simulation = simulation(admin(), "pages", STARTS_AT, 1440);
        String steps = "/api/v1/simulations/" + simulation + "/steps";
        assertThat(ok(admin().get(steps + "?from=9223372036854775807"))).isEmpty();
        assertThat(ok(admin().get(steps + "?from=9223372036854775807&limit=1000"))).isEmpty();
        assertProblem(admin().get(steps + "?from=9223372036854775808"), 400, "invalid-request");
        assertProblem(admin().get(steps + "?from=-9223372036854775808"), 400, "invalid-request");
        assertProblem(admin().get(steps + "?limit=2147483648"), 400, "invalid-request");
    }

    private String remember(String agent, Map<String, Object> memory) {
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories", memory);
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    private LocalDateTime lastAccess(String memory) {
        return jdbc.sql("SELECT last_accessed_at FROM memories WHERE id = CAST(:id AS uuid)").param("id", memory)
                .query(LocalDateTime.class).single();
    }

    private long count(String agent, String kind) {
        return jdbc.sql("SELECT count(*) FROM memories WHERE agent_id = CAST(:agent AS uuid)"
                + (kind == null ? "" : " AND kind = :kind")).param("agent", agent)
                .params(kind == null ? Map.of() : Map.of("kind", kind)).query(Long.class).single();
    }

    private static JsonNode byText(JsonNode memories, String text) {
        for (JsonNode memory : memories) {
            if (memory.path("text").asString().equals(text)) {
                return memory;
            }
        }
        throw new AssertionError("no memory '" + text + "' in " + memories);
    }

    private static JsonNode ok(Api.Response response) {
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }

    private static void assertProblem(Api.Response response, int status, String type) {
        assertThat(response.status()).as(response.raw()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).as(response.raw()).isEqualTo(type);
    }
}
