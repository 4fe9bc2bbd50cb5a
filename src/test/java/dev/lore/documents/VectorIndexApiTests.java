package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

import com.pgvector.PGvector;

import dev.lore.models.Embedder;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** Per-collection HNSW indexes: built once a collection is large enough, used by dense search, dropped with it. */
@TestPropertySource(properties = "lore.vector-index.threshold=4")
class VectorIndexApiTests extends IntegrationTest {

    /** Collection names of this run: the test database outlives a run of a single class. */
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000L, 36);
    private static final String SMALL = "vi-small-" + RUN;
    private static final String LARGE = "vi-large-" + RUN;
    private static final String INVALID = "vi-invalid-" + RUN;
    private static final String WAITING = "vi-waiting-" + RUN;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    VectorIndexes indexes;

    @Autowired
    Embedder embedder;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    DataSource dataSource;

    private static final Part[] PAGES = {
        Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every pay period.\n"),
        Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"),
        Part.file("travel.md", "# Travel\n\nBook flights through the travel portal and keep your receipts.\n"),
        Part.file("security.md", "# Security\n\nReport phishing emails to the security team at once.\n"),
        Part.file("payroll.md", "# Payroll\n\nSalaries are paid on the last working day of each month.\n") };

    @Test
    void aCollectionOverTheThresholdGetsItsOwnIndexWhichDenseSearchUsesAndWhichGoesWithTheCollection() {
        admin().post("/api/v1/collections", Map.of("name", SMALL));
        admin().ingest(SMALL, PAGES[0], PAGES[1]);
        admin().post("/api/v1/collections", Map.of("name", LARGE));
        assertThat(admin().ingest(LARGE, PAGES).path("status").asString()).isEqualTo("DONE");
        long large = id(LARGE);

        awaitIndex(LARGE, "hnsw");
        indexes.reconcile();
        assertThat(vectorIndex(SMALL)).isEqualTo("exact");
        assertThat(indexDefinition(id(SMALL))).isNull();
        assertThat(indexDefinition(large)).contains("USING hnsw", "vector_cosine_ops", "WHERE (collection_id = " + large);

        // the planner can prove that the partial index covers the statement dense search sends (for five rows it
        // rightly prefers an exact scan, so the test takes sorting away: only an ordered index scan remains cheap)
        float[] query = embedder.embedQuery("vacation days");
        String plan = transactions.execute(tx -> {
            jdbc.sql("SET LOCAL enable_sort = off").update();
            return String.join("\n", jdbc.sql("""
                    EXPLAIN SELECT id, embedding::vector(%d) <=> :query AS distance FROM chunks
                    WHERE collection_id = %d ORDER BY distance LIMIT 10""".formatted(embedder.dimension(), large))
                    .param("query", new PGvector(query)).query(String.class).list());
        });
        assertThat(plan).contains(VectorIndexes.indexName(large));
        JsonNode results = admin().post("/api/v1/search", Map.of("collection", LARGE, "query",
                "how many vacation days do I get", "mode", "dense", "topK", 5)).body().path("results");
        assertThat(results.size()).isEqualTo(5);
        assertThat(results.get(0).path("source").asString()).isEqualTo("leave.md");

        assertThat(admin().delete("/api/v1/collections/" + LARGE).status()).isEqualTo(204);
        indexes.reconcile();
        assertThat(indexDefinition(large)).isNull();
    }

    @Test
    void anIndexLeftInvalidByABuildThatDiedIsDroppedAndBuiltAgain() throws SQLException {
        admin().post("/api/v1/collections", Map.of("name", INVALID));
        admin().ingest(INVALID, PAGES);
        long collection = id(INVALID);
        String name = VectorIndexes.indexName(collection);
        // holding the build lock, as another instance building would, keeps the indexer off while a failed
        // concurrent build leaves an invalid index under the name
        try (Connection lock = dataSource.getConnection(); Statement sql = lock.createStatement()) {
            takeBuildLock(sql);
            jdbc.sql("DROP INDEX IF EXISTS " + name).update();
            assertThatThrownBy(() -> jdbc.sql("CREATE UNIQUE INDEX CONCURRENTLY " + name
                    + " ON chunks (collection_id) WHERE collection_id = " + collection).update())
                    .isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
            assertThat(jdbc.sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    + "WHERE c.relname = :n").param("n", name).query(Boolean.class).single()).isFalse();
            assertThat(vectorIndex(INVALID)).isEqualTo("building");
            sql.execute("SELECT pg_advisory_unlock(" + VectorIndexes.LOCK + ")");
        }
        indexes.wake();

        awaitIndex(INVALID, "hnsw");
        assertThat(indexDefinition(collection)).contains("USING hnsw");
    }

    @Test
    void oneBuildAtATimeAcrossCollectionsAndInstances() throws SQLException {
        // concurrent builds of partial indexes on one table deadlock in PostgreSQL, so while another session
        // (another instance) holds the build lock for any collection, no other collection's index is started
        try (Connection lock = dataSource.getConnection(); Statement sql = lock.createStatement()) {
            takeBuildLock(sql);
            admin().post("/api/v1/collections", Map.of("name", WAITING));
            assertThat(admin().ingest(WAITING, PAGES).path("status").asString()).isEqualTo("DONE");
            indexes.reconcile();
            assertThat(indexDefinition(id(WAITING))).isNull();
            assertThat(vectorIndex(WAITING)).isEqualTo("exact");
            sql.execute("SELECT pg_advisory_unlock(" + VectorIndexes.LOCK + ")");
        }
        indexes.wake();
        awaitIndex(WAITING, "hnsw");
        assertThat(indexDefinition(id(WAITING))).contains("USING hnsw");
    }

    @Test
    void theIndexWaitsForTheBacklogUnlessTooManyChunksWait() {
        VectorIndexProperties properties = new VectorIndexProperties(1000, 50_000, 16, 64, DataSize.ofMegabytes(64), 1,
                Duration.ofSeconds(10), 160, 8, 200);
        assertThat(VectorIndexes.due(999, false, properties)).isFalse();
        assertThat(VectorIndexes.due(1000, false, properties)).isTrue();
        assertThat(VectorIndexes.due(20_000, true, properties)).isFalse();
        assertThat(VectorIndexes.due(50_000, true, properties)).isTrue();
        assertThat(VectorIndexes.due(0, false, new VectorIndexProperties(0, 50_000, 16, 64, DataSize.ofMegabytes(64),
                1, Duration.ofSeconds(10), 160, 8, 200))).isFalse();
    }

    /**
     * Takes the indexer's lock as another instance would: with tries, not a blocking wait, since a session waiting
     * for the lock inside a statement is a transaction that a concurrent index build (holding the lock) waits out,
     * and PostgreSQL would end one of them as a deadlock.
     */
    private static void takeBuildLock(Statement sql) throws SQLException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            try (java.sql.ResultSet taken = sql.executeQuery(
                    "SELECT pg_try_advisory_lock(" + VectorIndexes.LOCK + ")")) {
                if (taken.next() && taken.getBoolean(1)) {
                    return;
                }
            }
            assertThat(Instant.now()).as("the build lock is still held by the indexer").isBefore(deadline);
            try {
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private long id(String collection) {
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection).query(Long.class).single();
    }

    private String indexDefinition(long collection) {
        List<String> definitions = jdbc.sql("SELECT indexdef FROM pg_indexes WHERE indexname = :n")
                .param("n", VectorIndexes.indexName(collection)).query(String.class).list();
        return definitions.isEmpty() ? null : definitions.get(0);
    }

    private String vectorIndex(String collection) {
        for (JsonNode summary : admin().get("/api/v1/collections").body()) {
            if (summary.path("name").asString().equals(collection)) {
                return summary.path("vectorIndex").asString();
            }
        }
        throw new AssertionError("no collection " + collection);
    }

    private void awaitIndex(String collection, String state) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!vectorIndex(collection).equals(state)) {
            assertThat(Instant.now()).as("vector index of " + collection + " still " + vectorIndex(collection))
                    .isBefore(deadline);
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
