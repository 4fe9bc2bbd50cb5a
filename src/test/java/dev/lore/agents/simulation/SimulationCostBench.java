package dev.lore.agents.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The bill of a simulated working day: three agents from 08:00 to 18:00 at 10-minute steps, with day planning, hour
 * blocks broken into actions, reactions, conversations and reflection all on, against the counting town model.
 * Model calls and tokens per agent per simulated hour, by kind of call. Runs only when
 * {@code LORE_BENCH_SIMULATION} is set ({@code bench/simulation-cost.sh}); results in
 * {@code target/simulation-cost.json}.
 */
@EnabledIfEnvironmentVariable(named = "LORE_BENCH_SIMULATION", matches = ".+")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulationCostBench extends IntegrationTest {

    private static final TownModel TOWN = new TownModel();
    private static final FakeHttpServer SERVER = TownModel.serve(TOWN);
    private static final List<String> AGENTS = List.of("Isabella", "Klaus", "Maria");
    private static final int HOURS = 10;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private dev.lore.agents.AgentsProperties properties;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        // a town this small rarely reaches the paper's 150 in a day; a lower threshold shows reflection's cost too
        String threshold = System.getenv("LORE_BENCH_REFLECTION_THRESHOLD");
        if (threshold != null && !threshold.isBlank()) {
            registry.add("lore.agents.reflection-threshold", () -> threshold);
        }
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void aWorkingDayOfThreeAgents() throws Exception {
        Api.Response created = admin().post("/api/v1/simulations", Map.of("name", "bench-day", "startsAt",
                "2026-02-13T08:00:00", "stepMinutes", 10));
        String simulation = created.body().path("id").asString();
        for (String agent : AGENTS) {
            admin().post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", agent, "traits",
                    agent + " is friendly and busy", "location", "Hobbs Cafe"));
        }
        long setupCalls = TOWN.calls();
        long started = System.nanoTime();

        Api.Response day = admin().post("/api/v1/simulations/" + simulation + "/step",
                Map.of("steps", HOURS * 6));

        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(day.status()).as(day.raw()).isEqualTo(200);
        JsonNode view = admin().get("/api/v1/simulations/" + simulation).body();
        long calls = TOWN.calls() - setupCalls;
        assertThat(view.path("usage").path("llmCalls").asLong()).as("Lore's own count matches the model's")
                .isEqualTo(calls);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("agents", AGENTS.size());
        results.put("reflectionThreshold", properties.reflectionThreshold());
        results.put("simulatedHours", HOURS);
        results.put("steps", day.body().path("stepsRun").asInt());
        results.put("llmCalls", calls);
        results.put("callsPerAgentHour", (double) calls / AGENTS.size() / HOURS);
        results.put("promptTokensPerAgentHour", view.path("usage").path("promptTokens").asDouble()
                / AGENTS.size() / HOURS);
        results.put("completionTokensPerAgentHour", view.path("usage").path("completionTokens").asDouble()
                / AGENTS.size() / HOURS);
        results.put("callsByKind", TOWN.callsByKind());
        Map<String, Long> kinds = new LinkedHashMap<>();
        day.body().path("events").forEach(event -> kinds.merge(event.path("kind").asString(), 1L, Long::sum));
        results.put("eventsByKind", kinds);
        results.put("reflections", jdbc.sql("""
                SELECT count(*) FROM memories m JOIN agents a ON a.id = m.agent_id
                WHERE a.simulation_id = CAST(:id AS uuid) AND m.kind = 'reflection'""").param("id", simulation)
                .query(Long.class).single());
        results.put("wallSeconds", seconds);
        Path out = Path.of("target", "simulation-cost-" + (long) properties.reflectionThreshold() + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        assertThat(kinds).containsKeys("plan", "talk", "react");
    }
}
