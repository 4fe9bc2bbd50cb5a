package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mockingDetails;
import static org.mockito.Mockito.reset;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import com.pgvector.PGvector;

import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The swap of a collection's re-embedding holds the collection row, which uploads to it wait on: the model is called
 * outside every transaction except for at most one batch of late chunks under that lock; more arrivals are staged
 * outside it and the swap tried again, and a job outpaced round after round fails saying why.
 */
class ReembeddingSwapApiTests extends IntegrationTest {

    @MockitoSpyBean
    Embedder embedder;

    @Autowired
    JdbcClient jdbc;

    /** One call of the embedder for documents: how many texts, and whether a transaction was open around it. */
    record Call(int texts, boolean inTransaction) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile long arrivingInto = -1;
    private volatile int arrivalsPerCall;
    private volatile int callsWithArrivals;
    private final AtomicInteger arrivalCalls = new AtomicInteger();

    @BeforeEach
    void watchTheEmbedder() {
        // the application's own threads call the spy at any time, and a call that lands between when() and
        // embedDocuments() takes the answer for its own method: stub until the answer sits on embedDocuments
        for (int attempt = 0; attempt < 20; attempt++) {
            doAnswer(this::watch).when(embedder).embedDocuments(anyList());
            if (mockingDetails(embedder).getStubbings().stream()
                    .allMatch(s -> s.getInvocation().getMethod().getName().equals("embedDocuments"))) {
                return;
            }
            reset(embedder);
        }
        throw new IllegalStateException("could not stub the embedder");
    }

    private Object watch(org.mockito.invocation.InvocationOnMock invocation) throws Throwable {
        if (!invocation.getMethod().getName().equals("embedDocuments")) {
            return invocation.callRealMethod();
        }
        List<?> texts = invocation.getArgument(0);
        boolean inTransaction = TransactionSynchronizationManager.isActualTransactionActive();
        Object vectors = invocation.callRealMethod();
        if (arrivingInto >= 0) {
            calls.add(new Call(texts.size(), inTransaction));
            if (!inTransaction && arrivalCalls.getAndIncrement() < callsWithArrivals) {
                arrive(arrivingInto, arrivalsPerCall);
            }
        }
        return vectors;
    }

    @AfterEach
    void stopArrivals() {
        arrivingInto = -1;
    }

    @Test
    void chunksArrivingDuringTheJobAreStagedOutsideTheLockAndTheSwapEmbedsAtMostOneBatch() {
        long collection = staleCollection("reembed-swap-bounded");
        arrivalsPerCall = 100;
        callsWithArrivals = 1;
        arrivingInto = collection;

        JsonNode job = reembed("reembed-swap-bounded");

        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("DONE");
        assertThat(calls.stream().filter(Call::inTransaction).mapToInt(Call::texts).sum())
                .as("texts embedded inside a transaction: %s", calls).isLessThanOrEqualTo(64);
        assertThat(calls.stream().filter(call -> !call.inTransaction()).mapToInt(Call::texts).sum())
                .as("the 100 that arrived were staged outside: %s", calls).isGreaterThanOrEqualTo(100);
        assertThat(jdbc.sql("SELECT count(*) FROM chunks WHERE collection_id = :c AND embedding = :stale")
                .param("c", collection).param("stale", new PGvector(stale())).query(Long.class).single())
                .as("every chunk, late ones included, has its new vector").isZero();
        assertThat(jdbc.sql("SELECT embedder FROM collections WHERE id = :c").param("c", collection)
                .query(String.class).single()).isEqualTo(embedder.name());
    }

    @Test
    void aJobOutpacedByArrivalsRoundAfterRoundFailsSayingWhyAndLeavesTheCollectionAsItWas() {
        long collection = staleCollection("reembed-swap-outpaced");
        arrivalsPerCall = 65;
        callsWithArrivals = Integer.MAX_VALUE;
        arrivingInto = collection;

        JsonNode job = reembed("reembed-swap-outpaced");

        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("FAILED");
        assertThat(job.path("error").asString()).contains("kept arriving").contains("re-embed again");
        assertThat(calls.stream().filter(Call::inTransaction).toList()).as("nothing embedded under the lock").isEmpty();
        assertThat(jdbc.sql("SELECT embedder FROM collections WHERE id = :c").param("c", collection)
                .query(String.class).single()).isEqualTo("another-model");
    }

    /** A collection of two documents whose vectors another model of the same size made. */
    private long staleCollection(String name) {
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name, Part.file("leave.md", "# Leave\n\nEmployees earn vacation days.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop.\n")).path("status").asString())
                .isEqualTo("DONE");
        long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
        jdbc.sql("UPDATE collections SET embedder = 'another-model' WHERE id = :c").param("c", id).update();
        jdbc.sql("UPDATE chunks SET embedding = :v WHERE collection_id = :c").param("v", new PGvector(stale()))
                .param("c", id).update();
        return id;
    }

    /** Chunks stored meanwhile by an instance still on the old model: copies of one, with the old vector. */
    private void arrive(long collection, int chunks) {
        jdbc.sql("""
                INSERT INTO chunks
                SELECT (jsonb_populate_record(NULL::chunks, to_jsonb(k) || jsonb_build_object('id', gen_random_uuid())
                        || jsonb_build_object('embedding', CAST(:stale AS text)))).*
                FROM (SELECT * FROM chunks WHERE collection_id = :c LIMIT 1) k, generate_series(1, :n)""")
                .param("c", collection).param("n", chunks).param("stale", new PGvector(stale()).toString()).update();
    }

    private JsonNode reembed(String name) {
        Api.Response started = admin().post("/api/v1/collections/" + name + "/reembed", Map.of());
        assertThat(started.status()).as(started.raw()).isEqualTo(202);
        String id = started.body().path("id").asString();
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = admin().get("/api/v1/reembeddings/" + id).body();
            return !List.of("QUEUED", "RUNNING").contains(last[0].path("status").asString());
        });
        return last[0];
    }

    private float[] stale() {
        float[] stale = new float[embedder.dimension()];
        stale[0] = 1;
        return stale;
    }
}
