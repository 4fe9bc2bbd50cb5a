package dev.lore.agents.simulation;

import static dev.lore.agents.AgentsFixture.agent;
import static dev.lore.agents.AgentsFixture.simulation;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Fifty simulations stepping at once against a model that takes a second per call, on the default pool of ten
 * connections, while searches run: model calls hold no connection, so searches are answered (no 503), every lease
 * keeps beating (none lapses, none is taken over) and every step runs once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowModelSimulationsTests extends IntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(SlowModelSimulationsTests.class);
    private static final int SIMULATIONS = 50;
    private static final int SEARCHERS = 4;
    private static final Duration THINKING = Duration.ofSeconds(1);
    private static final TownModel TOWN = new TownModel();
    private static final FakeHttpServer SERVER = TownModel.serve(TOWN)
            .on(TownModel.CHAT, FakeHttpServer.slow(THINKING, FakeHttpServer.reading(TOWN)));
    private static final String COLLECTION = "slow-town-handbook";

    @Autowired
    private Stepper stepper;

    @Autowired
    private SimulationLeases leases;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private MeterRegistry meters;

    @Value("${spring.datasource.url}")
    private String url;

    @Value("${spring.datasource.username}")
    private String user;

    @Value("${spring.datasource.password}")
    private String password;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.max-attempts", () -> "1");
        // a backend that serves every caller at once: what is measured is the database, not the model's bulkhead
        registry.add("lore.models.resilience.max-concurrent-calls", () -> "200");
        registry.add("spring.datasource.hikari.maximum-pool-size", () -> "10");
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void fiftySimulationsSteppingAgainstASlowModelLeaveSearchesAnsweredAndNoLeaseLapsed() throws Exception {
        createLeaveAndLaptops(COLLECTION);
        List<UUID> simulations = new ArrayList<>();
        for (int i = 0; i < SIMULATIONS; i++) {
            UUID simulation = UUID.fromString(simulation(admin(), "slow-town-" + i, "2026-02-13T08:00:00", 10));
            agent(admin(), simulation.toString(), "Walker", "Library");
            simulations.add(simulation);
        }
        ExecutorService threads = Executors.newFixedThreadPool(SIMULATIONS + SEARCHERS + 1);
        AtomicBoolean running = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> searches = new ConcurrentHashMap<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        AtomicLong lapsed = new AtomicLong();
        AtomicLong oldestBeatMs = new AtomicLong();
        try {
            // leases watched on a connection of the test's own, which a starved pool cannot take away
            Future<?> watcher = threads.submit(() -> watch(simulations, running, lapsed, oldestBeatMs));
            List<Future<?>> searchers = new ArrayList<>();
            for (int i = 0; i < SEARCHERS; i++) {
                searchers.add(threads.submit(() -> {
                    while (running.get()) {
                        Api.Response response = admin().post("/api/v1/search", Map.of("collection", COLLECTION,
                                "query", "how many vacation days do staff earn", "topK", 3));
                        searches.computeIfAbsent(response.status(), status -> new AtomicInteger()).incrementAndGet();
                        if (response.status() != 200) {
                            refused.add(response.raw());
                        }
                    }
                }));
            }
            long started = System.nanoTime();
            List<Future<Stepper.Run>> steps = simulations.stream()
                    .map(simulation -> threads.submit(() -> stepper.step(simulation, 1))).toList();
            List<Stepper.Run> runs = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (Future<Stepper.Run> step : steps) {
                try {
                    runs.add(step.get(120, TimeUnit.SECONDS));
                }
                catch (ExecutionException e) {
                    failed.add(String.valueOf(e.getCause()));
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            running.set(false);
            for (Future<?> searcher : searchers) {
                searcher.get(30, TimeUnit.SECONDS);
            }
            watcher.get(30, TimeUnit.SECONDS);

            Timer held = meters.find("hikaricp.connections.usage").timer();
            String pool = held == null ? "" : "; connections held at most %d ms, %.1f ms on average".formatted(
                    (long) held.max(TimeUnit.MILLISECONDS), held.mean(TimeUnit.MILLISECONDS));
            log.info("{} simulations stepped in {} ms with {} model calls; searches by status {}{}", SIMULATIONS,
                    took.toMillis(), TOWN.calls(), searches, pool);
            assertThat(refused).as("searches refused while %d simulations stepped (%s%s)", SIMULATIONS, searches,
                    pool).isEmpty();
            assertThat(failed).as("steps failed").isEmpty();
            assertThat(runs).allSatisfy(run -> assertThat(run.stepsRun()).isEqualTo(1));
            assertThat(searches.get(200)).as("searches answered").isNotNull();
            assertThat(searches.get(200).get()).isPositive();
            assertThat(lapsed.get()).as("leases seen lapsed (oldest heartbeat %d ms)", oldestBeatMs.get()).isZero();
            // every step ran once, by its first stepper, and its calls were made once each
            assertThat(jdbc.sql("""
                    SELECT count(*) FROM simulation_steps
                    WHERE simulation_id = ANY(:ids) AND runs = 1 AND finished_at IS NOT NULL""")
                    .param("ids", simulations.toArray(UUID[]::new)).query(Long.class).single())
                    .isEqualTo(SIMULATIONS);
            assertThat(runs.stream().mapToLong(run -> run.usage().llmCalls()).sum()).isEqualTo(TOWN.calls());
            // the calls of fifty steps overlapped instead of waiting for connections one after another
            long callsPerStep = TOWN.calls() / SIMULATIONS;
            assertThat(took).isLessThan(THINKING.multipliedBy(callsPerStep * SIMULATIONS / 5));
        }
        finally {
            running.set(false);
            threads.shutdownNow();
        }
    }

    private void watch(List<UUID> simulations, AtomicBoolean running, AtomicLong lapsed, AtomicLong oldestBeatMs) {
        try (Connection connection = DriverManager.getConnection(url, user, password);
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT count(*) FILTER (WHERE %s),
                               COALESCE(max(EXTRACT(EPOCH FROM clock_timestamp() - stepping_heartbeat) * 1000)
                                   FILTER (WHERE stepping_token IS NOT NULL), 0)::bigint
                        FROM simulations WHERE id = ANY(?)""".formatted(leases.lapsed()))) {
            statement.setArray(1, connection.createArrayOf("uuid", simulations.toArray()));
            while (running.get()) {
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    lapsed.addAndGet(rs.getLong(1));
                    oldestBeatMs.accumulateAndGet(rs.getLong(2), Math::max);
                }
                Thread.sleep(200);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
