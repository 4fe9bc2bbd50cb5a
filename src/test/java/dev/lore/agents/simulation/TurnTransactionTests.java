package dev.lore.agents.simulation;

import static dev.lore.agents.AgentsFixture.agent;
import static dev.lore.agents.AgentsFixture.simulation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.lore.models.Cancellation;
import dev.lore.models.Embedder;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.Generators;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/**
 * No model call of a step is made inside a transaction or while holding a pooled connection: a slow model would
 * otherwise hold the pool's connections and the agents' row locks for as long as it thinks. Every generator and
 * embedder call of the service is watched while two agents plan, meet, talk and reflect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TurnTransactionTests extends IntegrationTest {

    private static final TownModel TOWN = new TownModel();
    private static final FakeHttpServer SERVER = TownModel.serve(TOWN);

    @MockitoSpyBean
    private Generators generators;

    @MockitoSpyBean
    private Embedder embedder;

    @Autowired
    private DataSource dataSource;

    private final List<String> inTransaction = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.max-attempts", () -> "1");
        // low enough that the agents reflect within the test's steps
        registry.add("lore.agents.reflection-threshold", () -> "8");
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @BeforeEach
    @SuppressWarnings("unchecked")
    void watch() {
        doAnswer(invocation -> ((Optional<Generator>) invocation.callRealMethod())
                .map(generator -> new Watched(generator, this::observe))).when(generators).forRole(any());
        doAnswer(invocation -> {
            observe("embed query");
            return invocation.callRealMethod();
        }).when(embedder).embedQuery(any());
        doAnswer(invocation -> {
            observe("embed documents");
            return invocation.callRealMethod();
        }).when(embedder).embedDocuments(any());
    }

    @Test
    void aStepMakesEveryModelCallWithNoTransactionOpenAndNoConnectionHeld() {
        String simulation = simulation(admin(), "quiet-calls", "2026-02-13T08:00:00", 10);
        agent(admin(), simulation, "Alice", "Hobbs Cafe");
        agent(admin(), simulation, "Bob", "Hobbs Cafe");

        Api.Response response = admin().post("/api/v1/simulations/" + simulation + "/step", Map.of("steps", 7));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        // the watched paths were all taken: planning, rating, deciding, talking and reflecting
        assertThat(TOWN.callsByKind()).containsKeys("plan-day", "plan-hours", "plan-actions", "importance", "decide",
                "converse", "reflect-questions", "reflect-insights");
        assertThat(calls).contains("generate", "embed query", "embed documents");
        assertThat(inTransaction).as("model calls made inside a transaction or holding a connection").isEmpty();
        assertThat(response.body().path("usage").path("llmCalls").asLong()).as("every call counted, none twice")
                .isEqualTo(TOWN.calls());
    }

    private void observe(String call) {
        calls.add(call);
        if (TransactionSynchronizationManager.isActualTransactionActive()
                || TransactionSynchronizationManager.hasResource(dataSource)) {
            inTransaction.add(call + " on " + Thread.currentThread().getName());
        }
    }

    /** A generator that reports each call before making it. */
    private record Watched(Generator generator, Consumer<String> observer) implements Generator {

        @Override
        public String name() {
            return generator.name();
        }

        @Override
        public GeneratorCapabilities capabilities() {
            return generator.capabilities();
        }

        @Override
        public Generation generate(GenerationRequest request) {
            observer.accept("generate");
            return generator.generate(request);
        }

        @Override
        public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
            observer.accept("generate");
            return generator.stream(request, onToken, cancellation);
        }
    }
}
