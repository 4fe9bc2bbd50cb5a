package dev.lore.agents.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.RequiresDatabase;
import tools.jackson.databind.JsonNode;

/**
 * Scheduled simulations across instances on one database: a one-second cron run by two instances steps exactly once
 * per step number and in order; the schedule goes on after every instance restarts; pausing stops it; and a step
 * whose instance is killed in the middle (a separate process, killed as a machine dies) is finished by another
 * instance without applying any agent's part twice.
 */
@ExtendWith(RequiresDatabase.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduledSimulationTests {

    private static final Logger log = LoggerFactory.getLogger(ScheduledSimulationTests.class);
    private static final String EVERY_SECOND = "* * * * * *";

    private final TownModel town = new TownModel();
    private final FakeHttpServer server = TownModel.serve(town);
    private final List<ConfigurableApplicationContext> running = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(Process::destroyForcibly);
        processes.clear();
        running.forEach(ConfigurableApplicationContext::close);
        running.clear();
    }

    @AfterAll
    void stopModel() {
        server.close();
    }

    @Test
    void twoInstancesStepAOneSecondScheduleExactlyOnceAndItSurvivesARestartAndStopsWhenPaused() throws Exception {
        ConfigurableApplicationContext alpha = start("alpha");
        ConfigurableApplicationContext beta = start("beta");
        Api api = LoreInstances.api(alpha);
        String simulation = simulationWithAgents(api, "two-instances");
        JdbcClient jdbc = jdbc(alpha);
        // a schedule stored where no scheduler ran (db-scheduler.enabled=false): the next instance to start takes it up
        String orphan = api.post("/api/v1/simulations", Map.of("name", "orphan", "startsAt", "2026-02-13T08:00:00"))
                .body().path("id").asString();
        jdbc.sql("UPDATE simulations SET schedule = :cron, status = 'running' WHERE id = CAST(:id AS uuid)")
                .param("cron", EVERY_SECOND).param("id", orphan).update();

        schedule(LoreInstances.api(beta), simulation, EVERY_SECOND);
        awaitStep(jdbc, simulation, step -> step >= 8, Duration.ofSeconds(120));
        alpha.close();
        beta.close();
        running.clear();

        ConfigurableApplicationContext gamma = start("gamma");
        jdbc = jdbc(gamma);
        long atRestart = step(jdbc, simulation);
        long beforeRestart = atRestart;
        awaitStep(jdbc, simulation, step -> step >= atRestart + 3, Duration.ofSeconds(60));
        awaitStep(jdbc, orphan, step -> step >= 2, Duration.ofSeconds(60));
        schedule(LoreInstances.api(gamma), orphan, null);

        schedule(LoreInstances.api(gamma), simulation, null);
        awaitNotStepping(jdbc, simulation, Duration.ofSeconds(30));
        long paused = step(jdbc, simulation);
        Thread.sleep(4000);
        assertThat(step(jdbc, simulation)).as("no step after the pause").isEqualTo(paused);

        assertExactlyOnceInOrder(jdbc, simulation, paused);
        List<String> instances = jdbc.sql("SELECT DISTINCT instance FROM simulation_steps WHERE simulation_id = "
                + "CAST(:id AS uuid)").param("id", simulation).query(String.class).list();
        assertThat(instances).isSubsetOf("alpha", "beta", "gamma").contains("gamma");
        log.info("{} steps by {} ({} before the restart); skipped ticks: {}", paused, instances, beforeRestart,
                LoreInstances.api(gamma).get("/api/v1/simulations/" + simulation).body().path("skippedTicks"));
    }

    @Test
    void aStepWhoseInstanceIsKilledMidwayIsFinishedByAnotherWithNothingAppliedTwice() throws Exception {
        int port = LoreInstances.freePort();
        Path output = Files.createTempFile("lore-doomed", ".log");
        Process doomed = LoreInstances.spawn("doomed", server.baseUrl(), port, output);
        processes.add(doomed);
        LoreInstances.awaitUp(doomed, port, Duration.ofSeconds(120));
        Api api = new Api(port, dev.lore.support.IntegrationTest.ADMIN_KEY, LoreInstances.JSON);
        String simulation = simulationWithAgents(api, "killed-midway");
        // Bob's own part of the first step (his day plan) is where the instance dies: Alice's part is committed
        TownModel.Hold hold = town.hold(prompt -> prompt.startsWith("Bob:")
                && TownModel.kind(prompt).equals("plan-day"));
        schedule(api, simulation, EVERY_SECOND);
        assertThat(hold.reached().await(60, TimeUnit.SECONDS)).as("the doomed instance reached Bob").isTrue();

        ConfigurableApplicationContext survivor = start("survivor");
        JdbcClient jdbc = jdbc(survivor);
        List<String> alicesPart = jdbc.sql("""
                SELECT a.instance FROM simulation_step_agents a JOIN agents g ON g.id = a.agent_id
                WHERE a.simulation_id = CAST(:id AS uuid) AND a.step = 1 AND g.name = 'Alice'""")
                .param("id", simulation).query(String.class).list();
        assertThat(alicesPart).containsExactly("doomed");
        long aliceAtEight = memoriesAtEight(jdbc, simulation, "Alice");
        long killedAt = System.nanoTime();
        doomed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        hold.release().countDown();

        awaitStep(jdbc, simulation, step -> step >= 1, Duration.ofSeconds(90));
        long takeover = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
        log.info("Step 1 finished by another instance {} s after its instance was killed", takeover);
        assertThat(takeover).as("a dead instance's step is taken over within 30 s (plus this machine's slack)")
                .isLessThan(45);
        Map<String, Object> step = jdbc.sql("""
                SELECT started_by, instance, runs FROM simulation_steps
                WHERE simulation_id = CAST(:id AS uuid) AND step = 1""").param("id", simulation).query().singleRow();
        assertThat(step).containsEntry("started_by", "doomed").containsEntry("instance", "survivor");
        assertThat(((Number) step.get("runs")).intValue()).isGreaterThanOrEqualTo(2);
        Map<String, String> parts = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT g.name, a.instance FROM simulation_step_agents a JOIN agents g ON g.id = a.agent_id
                WHERE a.simulation_id = CAST(:id AS uuid) AND a.step = 1""").param("id", simulation)
                .query((rs, row) -> parts.put(rs.getString(1), rs.getString(2))).list();
        assertThat(parts).containsEntry("Alice", "doomed").containsEntry("Bob", "survivor").hasSize(2);

        awaitStep(jdbc, simulation, next -> next >= 3, Duration.ofSeconds(60));
        schedule(LoreInstances.api(survivor), simulation, null);
        awaitNotStepping(jdbc, simulation, Duration.ofSeconds(30));
        long last = step(jdbc, simulation);
        assertExactlyOnceInOrder(jdbc, simulation, last);
        assertThat(memoriesAtEight(jdbc, simulation, "Alice"))
                .as("Alice's memories of step 1 were written once, by the doomed instance").isEqualTo(aliceAtEight)
                .isPositive();
        assertThat(memoriesAtEight(jdbc, simulation, "Bob")).as("Bob's, by the survivor").isPositive();
    }

    private ConfigurableApplicationContext start(String instance) {
        ConfigurableApplicationContext context = LoreInstances.start(instance, server.baseUrl());
        running.add(context);
        return context;
    }

    private static JdbcClient jdbc(ConfigurableApplicationContext context) {
        return JdbcClient.create(context.getBean(DataSource.class));
    }

    private static String simulationWithAgents(Api api, String name) {
        Api.Response created = api.post("/api/v1/simulations", Map.of("name", name, "startsAt",
                "2026-02-13T08:00:00", "stepMinutes", 10));
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        String simulation = created.body().path("id").asString();
        for (String agent : List.of("Alice", "Bob")) {
            Api.Response added = api.post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", agent,
                    "traits", agent + " is friendly", "location", "Hobbs Cafe"));
            assertThat(added.status()).as(added.raw()).isEqualTo(201);
        }
        return simulation;
    }

    private static void schedule(Api api, String simulation, String cron) {
        Api.Response response = api.put("/api/v1/simulations/" + simulation + "/schedule",
                cron == null ? "{\"cron\":null}" : Map.of("cron", cron));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
    }

    private static long step(JdbcClient jdbc, String simulation) {
        return jdbc.sql("SELECT step FROM simulations WHERE id = CAST(:id AS uuid)").param("id", simulation)
                .query(Long.class).single();
    }

    private static void awaitStep(JdbcClient jdbc, String simulation, LongPredicate reached, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!reached.test(step(jdbc, simulation))) {
            assertThat(System.nanoTime()).as("step reached within " + within + "; at " + step(jdbc, simulation))
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static void awaitNotStepping(JdbcClient jdbc, String simulation, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (jdbc.sql("SELECT stepping_token IS NOT NULL FROM simulations WHERE id = CAST(:id AS uuid)")
                .param("id", simulation).query(Boolean.class).single()) {
            assertThat(System.nanoTime()).as("the last step finished within " + within).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /**
     * Steps 1..last, each once, finished, each a step later in simulation time than the one before, each with one
     * part per agent; and no agent holds the same memory twice.
     */
    private static void assertExactlyOnceInOrder(JdbcClient jdbc, String simulation, long last) {
        List<Map<String, Object>> steps = jdbc.sql("""
                SELECT step, clock, finished_at,
                       (SELECT count(*) FROM simulation_step_agents a
                        WHERE a.simulation_id = s.simulation_id AND a.step = s.step) AS parts
                FROM simulation_steps s WHERE simulation_id = CAST(:id AS uuid) ORDER BY step""")
                .param("id", simulation).query().listOfRows();
        assertThat(steps).hasSize((int) last);
        for (int i = 0; i < steps.size(); i++) {
            Map<String, Object> step = steps.get(i);
            assertThat(((Number) step.get("step")).longValue()).isEqualTo(i + 1);
            assertThat(step.get("clock").toString()).isEqualTo(java.sql.Timestamp.valueOf(
                    java.time.LocalDateTime.of(2026, 2, 13, 8, 0).plusMinutes(10L * i)).toString());
            assertThat(step.get("finished_at")).isNotNull();
            assertThat(((Number) step.get("parts")).intValue()).isEqualTo(2);
        }
        assertThat(jdbc.sql("""
                SELECT count(*) FROM (
                    SELECT m.agent_id FROM memories m JOIN agents g ON g.id = m.agent_id
                    WHERE g.simulation_id = CAST(:id AS uuid)
                    GROUP BY m.agent_id, m.kind, m.text, m.created_at HAVING count(*) > 1) twice""")
                .param("id", simulation).query(Long.class).single()).as("memories stored twice").isZero();
    }

    private static long memoriesAtEight(JdbcClient jdbc, String simulation, String agent) {
        return jdbc.sql("""
                SELECT count(*) FROM memories m JOIN agents g ON g.id = m.agent_id
                WHERE g.simulation_id = CAST(:id AS uuid) AND g.name = :agent
                  AND m.created_at = TIMESTAMP '2026-02-13 08:00'""")
                .param("id", simulation).param("agent", agent).query(Long.class).single();
    }
}
