package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/** Every bad input of the agents' API gets a problem naming what is wrong, and changes nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentsBadInputApiTests extends IntegrationTest {

    private String simulation;
    private String agent;

    @BeforeAll
    void create() {
        simulation = AgentsFixture.simulation(admin(), "bad-input", "2026-02-13T07:00:00", null);
        agent = AgentsFixture.agent(admin(), simulation, "Eddy", List.of());
        AgentsFixture.remember(admin(), agent, "Eddy practises the piano", "2026-02-13T07:00:00", 3);
    }

    @Test
    void unknownAgentsAndSimulationsAre404() {
        String unknown = UUID.randomUUID().toString();
        assertProblem(admin().get("/api/v1/agents/" + unknown), 404, "agent-not-found");
        assertProblem(admin().get("/api/v1/agents/not-a-uuid"), 404, "agent-not-found");
        assertProblem(admin().get("/api/v1/agents/" + unknown + "/memories?query=x"), 404, "agent-not-found");
        assertProblem(admin().post("/api/v1/agents/" + unknown + "/memories", Map.of("text", "x")), 404,
                "agent-not-found");
        assertProblem(admin().post("/api/v1/agents/" + unknown + "/reembed", Map.of()), 404, "agent-not-found");
        assertProblem(admin().get("/api/v1/simulations/" + unknown), 404, "simulation-not-found");
        assertProblem(admin().post("/api/v1/simulations/" + unknown + "/reembed", Map.of()), 404,
                "simulation-not-found");
        assertProblem(admin().post("/api/v1/simulations/" + unknown + "/agents", Map.of("name", "x")), 404,
                "simulation-not-found");
    }

    @Test
    void badRetrievalParametersAre400() {
        String memories = "/api/v1/agents/" + agent + "/memories";
        assertProblem(admin().get(memories + "?k=0"), 400, "invalid-request");
        assertProblem(admin().get(memories + "?k=-3"), 400, "invalid-request");
        assertProblem(admin().get(memories + "?k=1001"), 400, "invalid-request");
        assertProblem(admin().get(memories + "?k=ten"), 400, "invalid-request");
        assertProblem(admin().get(memories + "?at=yesterday"), 400, "invalid-request");
        assertProblem(admin().get(memories + "?at=2026-02-30T07:00:00"), 400, "invalid-request");
        assertThat(admin().get(memories + "?k=1000&at=2026-02-13T08:00:00").status()).isEqualTo(200);
    }

    @Test
    void badMemoriesAre400AndStoreNothing() {
        String memories = "/api/v1/agents/" + agent + "/memories";
        long before = count();
        assertProblem(admin().post(memories, Map.of("text", "x", "importance", 11)), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "x", "importance", 0)), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "x", "importance", 0.5)), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "x", "importance", "high")), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "")), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "   ")), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("importance", 3)), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "x", "kind", "dream")), 400, "invalid-request");
        assertProblem(admin().post(memories, Map.of("text", "x", "at", "noon")), 400, "invalid-request");
        assertProblem(admin().post(memories, List.of(Map.of("text", "fine", "importance", 2), Map.of("text", ""))),
                400, "invalid-request");
        assertProblem(admin().post(memories, List.of()), 400, "invalid-request");
        assertProblem(admin().post(memories, "{\"text\":"), 400, "malformed-body");
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void badSimulationsAndAgentsAre400() {
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w", "startsAt", "2026-02-13T07:00:00",
                "weights", Map.of("recency", -1))), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w", "startsAt", "2026-02-13T07:00:00",
                "weights", Map.of("relevance", -0.1))), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w")), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w", "startsAt", "13/02/2026")), 400,
                "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("startsAt", "2026-02-13T07:00:00")), 400,
                "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w", "startsAt", "2026-02-13T07:00:00",
                "stepMinutes", 0)), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations", Map.of("name", "w", "startsAt", "2026-02-13T07:00:00",
                "schedule", "every five minutes")), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations/" + simulation + "/agents", Map.of("traits", "x")), 400,
                "invalid-request");
        assertProblem(admin().post("/api/v1/simulations/" + simulation + "/agents",
                Map.of("name", "Nobody", "memories", List.of("fine", " "))), 400, "invalid-request");
        assertProblem(admin().post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", "Eddy")), 409,
                "agent-exists");
        assertThat(admin().get("/api/v1/simulations/" + simulation).body().path("agents")).hasSize(1);
    }

    @Test
    void aKeyWithoutTheAgentsPermissionSeesNothing() {
        String reader = mint("agents-reader", List.of("read", "write"));
        String agentsKey = mint("agents-player", List.of("agents"));
        assertProblem(as(reader).get("/api/v1/agents/" + agent), 404, "agent-not-found");
        assertProblem(as(reader).get("/api/v1/agents/" + agent + "/memories?query=piano"), 404, "agent-not-found");
        assertProblem(as(reader).post("/api/v1/agents/" + agent + "/memories", Map.of("text", "x")), 404,
                "agent-not-found");
        assertProblem(as(reader).post("/api/v1/agents/" + agent + "/reembed", Map.of()), 404, "agent-not-found");
        assertProblem(as(reader).get("/api/v1/simulations/" + simulation), 404, "simulation-not-found");
        assertProblem(as(reader).post("/api/v1/simulations/" + simulation + "/reembed", Map.of()), 404,
                "simulation-not-found");
        assertProblem(as(reader).post("/api/v1/simulations", Map.of("name", "s", "startsAt", "2026-02-13T07:00:00")),
                404, "not-found");
        // a key with the permission sees its own simulations only, not the administrator's
        assertProblem(as(agentsKey).get("/api/v1/agents/" + agent), 404, "agent-not-found");
        String own = AgentsFixture.simulation(as(agentsKey), "players-own", "2026-02-13T07:00:00", null);
        String ownAgent = AgentsFixture.agent(as(agentsKey), own, "Eddy", List.of());
        Api.Response allowed = as(agentsKey).get("/api/v1/agents/" + ownAgent);
        assertThat(allowed.status()).as(allowed.raw()).isEqualTo(200);
        assertThat(allowed.body().path("name").asString()).isEqualTo("Eddy");
    }

    private long count() {
        return admin().get("/api/v1/agents/" + agent).body().path("memories").asLong();
    }

    private String mint(String name, List<String> permissions) {
        Api.Response response = admin().post("/api/v1/keys",
                Map.of("name", name, "collections", List.of("*"), "permissions", permissions));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("key").asString();
    }

    /**
     * Without a generator ({@code lore.generator=none}, as here) the work that needs one is a 400 naming the setting,
     * not a 503 that reads as "try again later", and nothing is written: no plan, no step.
     */
    @Test
    void modelWorkWithoutAGeneratorIs400NamingTheSettingAndChangesNothing() {
        String other = AgentsFixture.agent(admin(), simulation, "Faye", List.of());
        String path = "/api/v1/agents/" + agent;
        List<Api.Response> answers = List.of(admin().post(path + "/plan", Map.of("day", "2026-02-13")),
                admin().post(path + "/reflect", Map.of()),
                admin().post(path + "/interview", Map.of("question", "How are you?")),
                admin().post(path + "/converse", Map.of("with", other)),
                admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 1)));
        for (Api.Response answer : answers) {
            assertProblem(answer, 400, "generator-unavailable");
            assertThat(answer.header("Retry-After")).as(answer.raw()).isNull();
            assertThat(answer.body().path("detail").asString()).contains("lore.generator");
        }
        assertThat(admin().get(path).body().path("plan").isObject()).as("no plan saved").isFalse();
        Api.Response simulationNow = admin().get("/api/v1/simulations/" + simulation);
        assertThat(simulationNow.body().path("step").asLong()).isZero();
        assertThat(admin().get("/api/v1/simulations/" + simulation + "/steps").body()).isEmpty();
    }

    private static void assertProblem(Api.Response response, int status, String type) {
        assertThat(response.status()).as(response.raw()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).as(response.raw()).isEqualTo(type);
    }
}
