package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.agents.AgentsFixture;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import dev.lore.support.StreamingReplica;
import dev.lore.support.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * The service with {@code lore.datasource.read.*} on a real streaming replica of the test server: searches run on
 * the replica while the primary takes the writes, see an upload at once, and go to the primary while the replica is
 * down and back to it once it returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaApiTests extends IntegrationTest {

    private static StreamingReplica replica;

    @Autowired
    ReadReplica reads;

    @Autowired
    MeterRegistry meters;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void startReplica() {
        StreamingReplica.Outcome outcome = StreamingReplica.start(TestDatabase.connection());
        assumeTrue(outcome.replica() != null, () -> "no streaming replica on this machine: " + outcome.whyNot());
        replica = outcome.replica();
    }

    @AfterAll
    static void stopReplica() {
        if (replica != null) {
            replica.close();
        }
    }

    @DynamicPropertySource
    static void readReplica(DynamicPropertyRegistry registry) {
        registry.add("lore.datasource.read.url", () -> replica.url());
        registry.add("lore.datasource.read.username", () -> TestDatabase.connection().user());
        registry.add("lore.datasource.read.password", () -> TestDatabase.connection().password());
        registry.add("lore.datasource.read.maximum-pool-size", () -> "2");
        // a loaded two-core machine may replay a little late; the wait stays bounded, only longer than by default
        registry.add("lore.datasource.read.max-lag-wait", () -> "10s");
        registry.add("lore.datasource.read.retry-after", () -> "0s");
    }

    @Test
    @Order(1)
    void searchesRunOnTheReplicaAndSeeAnUploadAtOnce() {
        assertThat(inRecovery()).as("the read client's server is a standby").isTrue();
        createLeaveAndLaptops("replica-reads");
        double onReplica = served("replica", "none");
        assertThat(search("replica-reads", "vacation days", "lexical").get(0).path("source").asString())
                .isEqualTo("leave.md");
        assertThat(search("replica-reads", "laptops", "dense").get(0).path("source").asString())
                .isEqualTo("laptops.md");
        assertThat(served("replica", "none")).isGreaterThan(onReplica);

        // the primary takes a write; the next search finds it, on the replica
        ingest("replica-reads", "parking.md", "# Parking\n\nThe garage opens at seven.\n");
        onReplica = served("replica", "none");
        assertThat(search("replica-reads", "garage", "lexical").get(0).path("source").asString())
                .isEqualTo("parking.md");
        assertThat(served("replica", "none")).isGreaterThan(onReplica);
        assertThat(served("primary", "replica-unavailable")).isZero();

        // listings read from the replica too, and see the upload
        onReplica = served("replica", "none");
        assertThat(admin().get("/api/v1/collections/replica-reads/documents").body().toString())
                .contains("parking.md");
        assertThat(admin().get("/api/v1/collections").body().toString()).contains("replica-reads");
        assertThat(served("replica", "none")).isGreaterThan(onReplica);
    }

    @Test
    @Order(2)
    void memoryRecallIsRankedOnTheReplicaAndMarksTheMemoriesAccessedOnThePrimary() {
        String simulation = AgentsFixture.simulation(admin(), "replica-town", "2026-02-14T07:00:00", 10);
        String agent = AgentsFixture.agent(admin(), simulation, "Isabella", "Hobbs Cafe");
        Api.Response stored = admin().post("/api/v1/agents/" + agent + "/memories", List.of(
                Map.of("text", "Isabella is planning a Valentine's Day party at Hobbs Cafe", "importance", 8,
                        "at", "2026-02-13T09:00:00"),
                Map.of("text", "The refrigerator in the kitchen is empty", "importance", 2,
                        "at", "2026-02-13T10:00:00")));
        assertThat(stored.status()).as(stored.raw()).isEqualTo(201);

        double onReplica = served("replica", "none");
        Api.Response recalled = admin().get("/api/v1/agents/" + agent
                + "/memories?query=Who%20is%20coming%20to%20the%20party%3F&k=1&at=2026-02-13T17:00:00");
        assertThat(recalled.status()).as(recalled.raw()).isEqualTo(200);
        assertThat(recalled.body()).hasSize(1);
        assertThat(recalled.body().get(0).path("text").asString()).contains("party");
        assertThat(served("replica", "none")).as("ranked on the replica, right after the memories were written")
                .isGreaterThan(onReplica);

        // the recalled memory became accessed, on the primary (the replica is read-only); the other did not
        Map<String, String> accessed = new java.util.HashMap<>();
        jdbc.sql("SELECT text, last_accessed_at::text FROM memories WHERE agent_id = CAST(:agent AS uuid)")
                .param("agent", agent).query((rs, n) -> accessed.put(rs.getString(1), rs.getString(2))).list();
        assertThat(accessed).containsEntry("Isabella is planning a Valentine's Day party at Hobbs Cafe",
                "2026-02-13 17:00:00").containsEntry("The refrigerator in the kitchen is empty", "2026-02-13 10:00:00");
    }

    @Test
    @Order(3)
    void readsGoToThePrimaryWhileTheReplicaIsDownAndComeBackWithNothingLost() throws Exception {
        createLeaveAndLaptops("replica-restart");
        replica.stopServer();
        double fallbacks = served("primary", "replica-unavailable");
        assertThat(search("replica-restart", "vacation days", "hybrid").get(0).path("source").asString())
                .isEqualTo("leave.md");
        assertThat(inRecovery()).as("with the replica down the read client reads the primary").isFalse();
        assertThat(served("primary", "replica-unavailable")).isGreaterThan(fallbacks);
        ingest("replica-restart", "parking.md", "# Parking\n\nThe garage opens at seven.\n");

        replica.startServer();
        awaitReplica();
        double onReplica = served("replica", "none");
        assertThat(search("replica-restart", "garage", "lexical").get(0).path("source").asString())
                .isEqualTo("parking.md");
        assertThat(search("replica-restart", "vacation days", "lexical").get(0).path("source").asString())
                .isEqualTo("leave.md");
        assertThat(served("replica", "none")).isGreaterThan(onReplica);
    }

    @Test
    @Order(4)
    void aReadWhoseReplicaStopsUnderItRunsAgainOnThePrimary() throws Exception {
        awaitReplica();
        double fallbacks = served("primary", "replica-unavailable");
        assertRunsAgainOnThePrimaryWhenTheReplicaStops("FROM pg_sleep(3)",
                () -> reads.jdbc().sql("SELECT pg_is_in_recovery() FROM pg_sleep(3)").query(Boolean.class).single());
        assertThat(served("primary", "replica-unavailable")).isGreaterThan(fallbacks);
        // and a read in a read-only transaction, the way searches set their index parameters, runs again whole
        awaitReplica();
        assertRunsAgainOnThePrimaryWhenTheReplicaStops("FROM pg_sleep(3.1)",
                () -> reads.transactions().execute(status -> reads.jdbc()
                        .sql("SELECT pg_is_in_recovery() FROM pg_sleep(3.1)").query(Boolean.class).single()));
    }

    /**
     * Starts {@code read} (which answers whether it ran on a server in recovery), stops the replica ("fast": its
     * sessions are terminated) while the read runs there, and expects the primary's answer; starts the replica again.
     */
    private void assertRunsAgainOnThePrimaryWhenTheReplicaStops(String tail,
            java.util.function.Supplier<Boolean> read) throws Exception {
        java.util.concurrent.CompletableFuture<Boolean> running = java.util.concurrent.CompletableFuture
                .supplyAsync(read);
        awaitRunningOnReplica(tail);
        replica.stopServer();
        try {
            assertThat(running.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("answered by the primary").isFalse();
        }
        finally {
            replica.startServer();
        }
    }

    /** Waits until the replica runs a statement ending with {@code tail}, asked on a connection of its own. */
    private void awaitRunningOnReplica(String tail) throws Exception {
        try (java.sql.Connection direct = java.sql.DriverManager.getConnection(replica.url(),
                TestDatabase.connection().user(), TestDatabase.connection().password())) {
            for (int i = 0; i < 100; i++) {
                try (var statement = direct.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE ? AND pid <> pg_backend_pid()")) {
                    statement.setString(1, "%" + tail);
                    try (var rs = statement.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) > 0) {
                            return;
                        }
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the read did not start on the replica");
    }

    private boolean inRecovery() {
        return reads.jdbc().sql("SELECT pg_is_in_recovery()").query(Boolean.class).single();
    }

    /** Waits for reads to reach the restarted replica (it reconnects to the primary on its own); fails after 60 s. */
    private void awaitReplica() throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (inRecovery()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("reads did not return to the restarted replica");
    }

    private double served(String by, String reason) {
        var counter = meters.find("lore.datasource.read").tag("served-by", by).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private void ingest(String collection, String file, String text) {
        assertThat(admin().ingest(collection, Api.Part.file(file, text)).path("status").asString()).isEqualTo("DONE");
    }

    private JsonNode search(String collection, String query, String mode) {
        Api.Response response = admin().post("/api/v1/search",
                Map.of("collection", collection, "query", query, "mode", mode));
        assertThat(response.status()).isEqualTo(200);
        return response.body().path("results");
    }
}
