package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Simulations belong to the key that created them: another key holding {@code agents} finds no simulation, agent,
 * memory, step, schedule or interview of it, through any endpoint, and changes nothing; administrators see all; a
 * simulation from before owners is the administrators' only; and {@code agents} reveals no collection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentOwnershipApiTests extends IntegrationTest {

    private static final String COLLECTION = "owners-team-a";
    private static final String START = "2026-02-13T07:00:00";

    @Autowired
    private JdbcClient jdbc;

    private String ownerKeyId;
    private Api owner;
    private Api other;
    private String simulation;
    private String priv;
    private String bob;
    private String otherSimulation;
    private String otherAgent;
    private String ingestion;

    @BeforeAll
    void create() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        Api.Response upload = admin().upload("/api/v1/collections/" + COLLECTION + "/documents",
                List.of(Api.Part.file("pins.md", "# PINs\n\nThe office safe opens with 1234.\n")));
        assertThat(upload.status()).as(upload.raw()).isEqualTo(202);
        ingestion = upload.body().path("ingestionId").asString();
        assertThat(admin().awaitIngestion(ingestion).path("status").asString()).isEqualTo("DONE");

        JsonNode ownerKey = mint("owners-a", List.of(COLLECTION));
        ownerKeyId = ownerKey.path("id").asString();
        owner = as(ownerKey.path("key").asString());
        other = as(mint("owners-b", List.of("*")).path("key").asString());

        simulation = AgentsFixture.simulation(owner, "private-town", START, null);
        priv = AgentsFixture.agent(owner, simulation, "Priv", List.of());
        bob = AgentsFixture.agent(owner, simulation, "Bob", List.of());
        AgentsFixture.remember(owner, priv, "Priv's bank PIN is 4321", START, 9);
        otherSimulation = AgentsFixture.simulation(other, "other-town", START, null);
        otherAgent = AgentsFixture.agent(other, otherSimulation, "Otto", List.of());
    }

    @Test
    void anotherKeyFindsNoAgentOfTheSimulationThroughAnyEndpoint() {
        String agent = "/api/v1/agents/" + priv;
        assertAgentNotFound(other.get(agent));
        assertAgentNotFound(other.get(agent + "/memories?query=PIN"));
        assertAgentNotFound(other.get(agent + "/memories?query=PIN&at=2026-02-14T07:00:00"));
        assertAgentNotFound(other.post(agent + "/memories", Map.of("text", "Priv owes Otto money", "importance", 9)));
        assertAgentNotFound(other.post(agent + "/memories", List.of(Map.of("text", "Priv trusts Otto"))));
        assertAgentNotFound(other.post(agent + "/reembed", Map.of()));
        assertAgentNotFound(other.post(agent + "/reflect", Map.of()));
        assertAgentNotFound(other.post(agent + "/plan", Map.of("day", "2026-02-13")));
        assertAgentNotFound(other.post(agent + "/plan", Map.of("day", "2026-02-13", "reaction", "a fire")));
        assertAgentNotFound(other.post(agent + "/interview", Map.of("question", "What is your bank PIN?")));
        assertAgentNotFound(other.post(agent + "/converse", Map.of("with", bob)));
        // its own agent may not talk to another key's either: the other agent is as absent as an unknown id
        assertAgentNotFound(other.post("/api/v1/agents/" + otherAgent + "/converse", Map.of("with", priv)));

        JsonNode seen = owner.get(agent).body();
        assertThat(seen.path("memories").asLong()).isEqualTo(1);
        assertThat(seen.path("plan").isMissingNode() || seen.path("plan").isNull()).isTrue();
        Api.Response memories = owner.get(agent + "/memories?query=PIN&at=" + START);
        assertThat(memories.status()).as(memories.raw()).isEqualTo(200);
        assertThat(memories.body().valueStream().map(m -> m.path("text").asString()))
                .containsExactly("Priv's bank PIN is 4321");
        assertThat(memories.body().get(0).path("lastAccessedAt").asString()).isEqualTo(START);
    }

    @Test
    void anotherKeyFindsNoSimulationThroughAnyEndpointAndChangesNothing() {
        String path = "/api/v1/simulations/" + simulation;
        assertSimulationNotFound(other.get(path));
        assertSimulationNotFound(other.post(path + "/step", Map.of("steps", 1)));
        assertSimulationNotFound(other.post(path + "/step", ""));
        assertSimulationNotFound(other.get(path + "/steps?from=0"));
        assertSimulationNotFound(other.put(path + "/schedule", Map.of("cron", "0 */5 * * * *")));
        assertSimulationNotFound(other.put(path + "/schedule", Map.of()));
        assertSimulationNotFound(other.post(path + "/reembed", Map.of()));
        assertSimulationNotFound(other.post(path + "/agents", Map.of("name", "Mallory", "memories",
                List.of("Mallory lives at Priv's house"))));

        JsonNode seen = owner.get(path).body();
        assertThat(seen.path("step").asLong()).isZero();
        assertThat(seen.path("status").asString()).isEqualTo("paused");
        assertThat(seen.path("schedule").isMissingNode() || seen.path("schedule").isNull()).isTrue();
        assertThat(seen.path("agents").valueStream().map(a -> a.path("name").asString()))
                .containsExactlyInAnyOrder("Priv", "Bob");
        Api.Response steps = owner.get(path + "/steps");
        assertThat(steps.status()).as(steps.raw()).isEqualTo(200);
        assertThat(steps.body()).isEmpty();
    }

    @Test
    void eachKeyListsOnlyItsOwnSimulationsAndTheAdministratorEvery() {
        assertThat(ids(owner.get("/api/v1/simulations?limit=1000"))).contains(simulation)
                .doesNotContain(otherSimulation);
        assertThat(ids(other.get("/api/v1/simulations?limit=1000"))).contains(otherSimulation)
                .doesNotContain(simulation);
        assertThat(ids(admin().get("/api/v1/simulations?limit=1000"))).contains(simulation, otherSimulation);
        Api.Response first = owner.get("/api/v1/simulations?limit=1");
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        assertThat(first.body()).hasSize(1);
        assertThat(first.body().get(0).path("name").asString()).isNotBlank();

        assertThat(owner.get("/api/v1/simulations?limit=0").status()).isEqualTo(400);
        assertThat(owner.get("/api/v1/simulations?offset=-1").status()).isEqualTo(400);
        String reader = mintWith("owners-reader", List.of("*"), List.of("read")).path("key").asString();
        Api.Response withoutPermission = as(reader).get("/api/v1/simulations");
        assertThat(withoutPermission.status()).as(withoutPermission.raw()).isEqualTo(404);
    }

    @Test
    void theAdministratorSeesAndUsesEveryKeysSimulation() {
        Api.Response simulationSeen = admin().get("/api/v1/simulations/" + simulation);
        assertThat(simulationSeen.status()).as(simulationSeen.raw()).isEqualTo(200);
        Api.Response agentSeen = admin().get("/api/v1/agents/" + otherAgent);
        assertThat(agentSeen.status()).as(agentSeen.raw()).isEqualTo(200);
        Api.Response memories = admin().get("/api/v1/agents/" + priv + "/memories?query=PIN&at=" + START);
        assertThat(memories.status()).as(memories.raw()).isEqualTo(200);
        assertThat(memories.body()).hasSize(1);
        Api.Response steps = admin().get("/api/v1/simulations/" + otherSimulation + "/steps");
        assertThat(steps.status()).as(steps.raw()).isEqualTo(200);
    }

    @Test
    void aSimulationFromBeforeOwnersIsTheAdministratorsOnly() {
        String legacy = AgentsFixture.simulation(owner, "legacy-town", START, null);
        String legacyAgent = AgentsFixture.agent(owner, legacy, "Old", List.of());
        jdbc.sql("UPDATE simulations SET key_id = NULL WHERE id = :id").param("id", UUID.fromString(legacy))
                .update();
        assertSimulationNotFound(owner.get("/api/v1/simulations/" + legacy));
        assertAgentNotFound(owner.get("/api/v1/agents/" + legacyAgent));
        assertThat(ids(owner.get("/api/v1/simulations?limit=1000"))).doesNotContain(legacy);
        assertThat(admin().get("/api/v1/simulations/" + legacy).status()).isEqualTo(200);
        assertThat(admin().get("/api/v1/agents/" + legacyAgent).status()).isEqualTo(200);
    }

    @Test
    void aRevokedKeyKeepsNoAccessAndANewKeyOfTheSameNameInheritsNone() {
        JsonNode revoked = mint("owners-revoked", List.of(COLLECTION));
        Api gone = as(revoked.path("key").asString());
        String mine = scheduled(gone, "revoked-town");
        String agent = AgentsFixture.agent(gone, mine, "Rex", List.of());
        String others = scheduled(other, "unrevoked-town");
        assertThat(admin().delete("/api/v1/keys/" + revoked.path("id").asString()).status()).isEqualTo(204);

        assertThat(gone.get("/api/v1/simulations/" + mine).status()).isEqualTo(401);
        assertThat(gone.get("/api/v1/agents/" + agent).status()).isEqualTo(401);
        Api successor = as(mint("owners-revoked", List.of(COLLECTION)).path("key").asString());
        assertSimulationNotFound(successor.get("/api/v1/simulations/" + mine));
        assertAgentNotFound(successor.get("/api/v1/agents/" + agent));

        // its schedule stops spending model calls; the administrator still sees it, and another key's runs on
        JsonNode seen = admin().get("/api/v1/simulations/" + mine).body();
        assertThat(seen.path("status").asString()).isEqualTo("paused");
        assertThat(seen.path("schedule").asString()).isEqualTo("0 */5 * * * *");
        assertThat(seen.path("pausedReason").asString()).contains("revoked");
        assertThat(other.get("/api/v1/simulations/" + others).body().path("status").asString()).isEqualTo("running");
    }

    private static String scheduled(Api api, String name) {
        Api.Response response = api.post("/api/v1/simulations",
                Map.of("name", name, "startsAt", START, "schedule", "0 */5 * * * *"));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        assertThat(response.body().path("status").asString()).isEqualTo("running");
        return response.body().path("id").asString();
    }

    @Test
    void theSimulationRecordsTheKeyThatCreatedIt() {
        String stored = jdbc.sql("SELECT key_id FROM simulations WHERE id = :id")
                .param("id", UUID.fromString(simulation)).query(String.class).single();
        assertThat(stored).isEqualTo(ownerKeyId);
    }

    @Test
    void theAgentsPermissionRevealsNoCollection() {
        assertThat(owner.get("/api/v1/collections").body().valueStream().map(c -> c.path("name").asString()))
                .doesNotContain(COLLECTION);
        assertCollectionNotFound(owner.get("/api/v1/collections/" + COLLECTION));
        assertCollectionNotFound(owner.get("/api/v1/collections/" + COLLECTION + "/documents"));
        Api.Response status = owner.get("/api/v1/ingestions/" + ingestion);
        assertThat(status.status()).as(status.raw()).isEqualTo(404);
        assertThat(status.problemType()).isEqualTo("ingestion-not-found");
        assertCollectionNotFound(owner.post("/api/v1/search", Map.of("collection", COLLECTION, "query", "safe")));
        assertCollectionNotFound(owner.upload("/api/v1/collections/" + COLLECTION + "/documents",
                List.of(Api.Part.file("more.md", "# More\n\nMore text.\n"))));
        // a key that may read the same collection still sees it all
        Api reader = as(mintWith("owners-a-reader", List.of(COLLECTION), List.of("read")).path("key").asString());
        assertThat(reader.get("/api/v1/collections/" + COLLECTION).status()).isEqualTo(200);
        assertThat(reader.get("/api/v1/ingestions/" + ingestion).status()).isEqualTo(200);
    }

    private JsonNode mint(String name, List<String> collections) {
        return mintWith(name, collections, List.of("agents"));
    }

    private JsonNode mintWith(String name, List<String> collections, List<String> permissions) {
        Api.Response response = admin().post("/api/v1/keys",
                Map.of("name", name, "collections", collections, "permissions", permissions));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body();
    }

    private static List<String> ids(Api.Response response) {
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body().valueStream().map(s -> s.path("id").asString()).toList();
    }

    private static void assertAgentNotFound(Api.Response response) {
        assertProblem(response, "agent-not-found");
    }

    private static void assertSimulationNotFound(Api.Response response) {
        assertProblem(response, "simulation-not-found");
    }

    private static void assertCollectionNotFound(Api.Response response) {
        assertProblem(response, "collection-not-found");
    }

    private static void assertProblem(Api.Response response, String type) {
        assertThat(response.status()).as(response.raw()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).as(response.raw()).isEqualTo(type);
    }
}
