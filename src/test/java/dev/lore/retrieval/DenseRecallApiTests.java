package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import com.pgvector.PGvector;

import dev.lore.documents.VectorIndexes;
import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Measuring a collection's dense search against exact search: the recall each first-stage size keeps matches one
 * computed here from the stored vectors, a first stage that covers the collection keeps everything, the graph is
 * named when it serves, and bad requests are refused without touching anything.
 */
@TestPropertySource(properties = "lore.vector-index.threshold=1000000")
class DenseRecallApiTests extends IntegrationTest {

    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000L, 36);

    private static final String[] SUBJECTS = { "vacation days", "laptops", "flights", "phishing", "salaries",
        "parking", "expenses", "the cafeteria", "remote work", "health insurance", "training budgets", "fire drills",
        "security badges", "printers", "onboarding", "code review", "accessibility", "procurement", "hiring panels",
        "user research", "open source", "design systems", "budget planning", "incident response" };

    @Autowired
    JdbcClient jdbc;

    @Autowired
    VectorIndexes indexes;

    private void create(String name) {
        assertThat(admin().post("/api/v1/collections", Map.of("name", name)).status()).isEqualTo(201);
        Part[] pages = IntStream.range(0, SUBJECTS.length).mapToObj(i -> Part.file("page-" + i + ".md",
                "# " + SUBJECTS[i] + "\n\nWhat the handbook says about " + SUBJECTS[i] + ", and whom to ask.\n"))
                .toArray(Part[]::new);
        assertThat(admin().ingest(name, pages).path("status").asString()).isEqualTo("DONE");
    }

    private Api.Response recall(String collection, Map<String, Object> body) {
        return admin().post("/api/v1/collections/" + collection + "/dense-search/recall", body);
    }

    @Test
    void eachFirstStageSizeKeepsTheShareOfExactSearchThatItsVectorsAllow() {
        String collection = "recall-binary-" + RUN;
        create(collection);
        Api.Response response = recall(collection, Map.of("mode", "binary", "candidates", List.of(1000, 4, 8),
                "queries", 200, "topK", 3));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode report = response.body();
        assertThat(report.path("mode").asString()).isEqualTo("binary");
        assertThat(report.path("firstStage").asString()).as("no index yet").isEqualTo("exact");
        // more queries asked for than the collection holds: every chunk is a query once
        assertThat(report.path("queries").asInt()).isEqualTo(SUBJECTS.length);
        assertThat(report.path("chunks").asLong()).isEqualTo(SUBJECTS.length);
        List<JsonNode> results = report.path("results").values().stream().toList();
        assertThat(results).extracting(r -> r.path("candidates").asInt()).containsExactly(4, 8, 1000);
        assertThat(results.get(2).path("recall").asDouble()).as("a first stage that covers the collection")
                .isEqualTo(1.0);
        assertThat(results.get(2).path("efSearch").asInt()).isEqualTo(1000);

        Map<Integer, Double> expected = expectedBinaryRecall(collection, 3, List.of(4, 8));
        // Hamming distances tie, and which of the tied rows a first stage keeps is PostgreSQL's choice: one tie
        // decided the other way moves the mean by 1/72
        assertThat(results.get(0).path("recall").asDouble()).isCloseTo(expected.get(4), within(0.05));
        assertThat(results.get(1).path("recall").asDouble()).isCloseTo(expected.get(8), within(0.05));
        assertThat(expected.get(4)).as("a first stage of 4 rows must lose something here for the test to tell")
                .isLessThan(0.95);

        // sizes below the rows a query asks for (topK + 1) are raised to it, and measured once
        JsonNode raised = recall(collection, Map.of("mode", "binary", "candidates", List.of(4, 8, 11), "queries", 3,
                "topK", 10)).body().path("results");
        assertThat(raised.values().stream().map(r -> r.path("candidates").asInt()).toList()).containsExactly(11);

        Integer smallest = results.stream().filter(r -> r.path("recall").asDouble() >= 0.95)
                .map(r -> r.path("candidates").asInt()).findFirst().orElse(null);
        assertThat(report.path("suggestedCandidates").isNull() ? null : report.path("suggestedCandidates").asInt())
                .isEqualTo(smallest);
    }

    @Test
    void theCollectionsOwnModeAndGraphAreMeasuredByDefault() throws InterruptedException {
        String collection = "recall-full-" + RUN;
        create(collection);
        JsonNode exact = recall(collection, null).body();
        assertThat(exact.path("mode").asString()).isEqualTo("full");
        assertThat(exact.path("firstStage").asString()).isEqualTo("exact");
        assertThat(exact.path("results")).hasSize(1);
        assertThat(exact.path("results").get(0).path("recall").asDouble()).as("full without a graph is exact")
                .isEqualTo(1.0);
        assertThat(exact.path("results").get(0).path("candidates").isNull()).isTrue();

        assertThat(admin().put("/api/v1/collections/" + collection + "/dense-search", Map.of("mode", "binary"))
                .status()).isEqualTo(200);
        indexes.ensure(jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                .query(Long.class).single());
        JsonNode graph = recall(collection, Map.of("candidates", List.of(30), "queries", 5)).body();
        assertThat(graph.path("mode").asString()).isEqualTo("binary");
        assertThat(graph.path("firstStage").asString()).isEqualTo("hnsw");
        assertThat(graph.path("queries").asInt()).isEqualTo(5);
        assertThat(graph.path("results").get(0).path("recall").asDouble()).isEqualTo(1.0);
        assertThat(graph.path("suggestedCandidates").asInt()).isEqualTo(30);
    }

    @Test
    void badRequestsAndOtherKeysAreRefused() {
        String collection = "recall-refused-" + RUN;
        create(collection);
        for (Map<String, Object> body : List.<Map<String, Object>>of(Map.of("mode", "binary", "candidates", List.of(0)),
                Map.of("mode", "binary", "candidates", List.of(6000)), Map.of("queries", 0), Map.of("queries", 201),
                Map.of("topK", 0), Map.of("target", 1.5), Map.of("mode", "pq"), Map.of("candidates", List.of(40)),
                Map.of("mode", "matryoshka:64"))) {
            Api.Response refused = recall(collection, body);
            assertThat(refused.status()).as(body.toString()).isEqualTo(400);
            assertThat(refused.contentType()).contains("application/problem+json");
        }
        assertThat(recall("absent-" + RUN, null).status()).isEqualTo(404);
        String reader = admin().post("/api/v1/keys", Map.of("name", "recall-reader-" + RUN, "collections",
                List.of(collection), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(reader).post("/api/v1/collections/" + collection + "/dense-search/recall", Map.of()).status())
                .isEqualTo(403);
        assertThat(admin().get("/api/v1/collections/" + collection).body().path("denseSearch").path("mode")
                .asString()).as("measuring changes nothing").isEqualTo("full");
    }

    /** The mean share of exact top k that binary + rescoring from N finds, every chunk a query, computed here. */
    private Map<Integer, Double> expectedBinaryRecall(String collection, int k, List<Integer> sizes) {
        Map<UUID, float[]> vectors = new HashMap<>();
        jdbc.sql("""
                SELECT k.id, k.embedding::text FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = :name""").param("name", collection)
                .query((rs, n) -> vectors.put(rs.getObject(1, UUID.class), new PGvector(rs.getString(2)).toArray()))
                .list();
        List<UUID> ids = new ArrayList<>(vectors.keySet());
        Map<Integer, Double> recall = new HashMap<>();
        for (int size : sizes) {
            double found = 0;
            for (UUID self : ids) {
                float[] q = vectors.get(self);
                Comparator<UUID> byCosine = Comparator.comparingDouble(id -> -Embedder.cosine(q, vectors.get(id)));
                List<UUID> truth = ids.stream().filter(id -> !id.equals(self)).sorted(byCosine).limit(k).toList();
                List<UUID> first = ids.stream().sorted(Comparator.comparingInt(id -> hamming(q, vectors.get(id))))
                        .limit(size).toList();
                found += first.stream().sorted(byCosine).filter(id -> !id.equals(self)).limit(k)
                        .filter(truth::contains).count() / (double) k;
            }
            recall.put(size, found / ids.size());
        }
        return recall;
    }

    /** pgvector's binary_quantize: a bit set for each positive dimension. */
    private static int hamming(float[] a, float[] b) {
        int distance = 0;
        for (int i = 0; i < a.length; i++) {
            distance += (a[i] > 0) != (b[i] > 0) ? 1 : 0;
        }
        return distance;
    }
}
