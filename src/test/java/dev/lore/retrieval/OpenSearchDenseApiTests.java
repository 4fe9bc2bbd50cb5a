package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseSearch;
import dev.lore.models.Embedder;
import dev.lore.retrieval.dense.DenseProperties;
import dev.lore.retrieval.lexical.LexicalProperties;
import dev.lore.retrieval.lexical.OpenSearchIndexes;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import dev.lore.support.RequiresOpenSearch;
import dev.lore.support.TestOpenSearch;

import tools.jackson.databind.JsonNode;

/**
 * The service with both engines on OpenSearch, on the test node: dense and hybrid search answer from a collection's
 * index once it holds every committed change and the collection's vectors, and then answer what PostgreSQL answers
 * (the same chunks in the same order, the same cosine scores), filters included; until then, for a deleted document
 * not yet applied, for vectors the index does not hold (re-embedded) and for two-stage collections, PostgreSQL
 * answers. The feed is applied only when a test calls {@link OpenSearchIndexes#catchUp()} (the applier's own pass
 * waits an hour), so which engine answers is known at each step.
 */
@ExtendWith(RequiresOpenSearch.class)
class OpenSearchDenseApiTests extends IntegrationTest {

    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000L, 36);

    private static final String[] TOPICS = { "vacation days and annual leave", "laptops from the IT desk",
        "flights through the travel portal", "phishing emails and the security team", "salaries paid monthly",
        "parking permits for the garage", "expense reports and receipts", "the cafeteria menu on Fridays",
        "remote work from home", "health insurance and dental plans" };

    private static final List<String> QUERIES = List.of("how many vacation days", "who gives me a laptop",
            "book a flight", "suspicious email", "dental cover", "working from home");

    @DynamicPropertySource
    static void opensearch(DynamicPropertyRegistry registry) {
        registry.add("lore.retrieval.lexical.engine", () -> "opensearch");
        registry.add("lore.retrieval.dense.engine", () -> "opensearch");
        registry.add("lore.retrieval.lexical.poll-interval", () -> "1h");
        registry.add("lore.retrieval.lexical.opensearch.urls", () -> TestOpenSearch.url().toString());
        registry.add("lore.retrieval.lexical.opensearch.index-prefix",
                () -> "lore-dense-" + UUID.randomUUID().toString().substring(0, 8));
        registry.add("lore.retrieval.lexical.opensearch.replicas", () -> "0");
    }

    @Autowired
    OpenSearchIndexes indexes;

    @Autowired
    SearchQueries queries;

    @Autowired
    DenseStage denseStage;

    @Autowired
    Embedder embedder;

    @Autowired
    JdbcClient jdbc;

    @Test
    void denseAndHybridAnswerFromTheIndexOnceCurrentAsPostgresDoesAndNeverServeADeletedDocument() {
        String collection = "os-dense-" + RUN;
        long id = create(collection);
        assertThat(indexes.vectors()).as("the test node loads the k-NN plugin").isTrue();

        Map<String, JsonNode> dense = new HashMap<>();
        Map<String, JsonNode> hybrid = new HashMap<>();
        for (String query : QUERIES) {
            JsonNode answer = search(collection, query, "dense", null);
            assertThat(engine(answer)).as("nothing applied yet").isEqualTo("postgres");
            dense.put(query, answer.path("results"));
            hybrid.put(query, search(collection, query, "hybrid", null).path("results"));
        }
        assertThat(indexes.catchUp()).isTrue();
        for (String query : QUERIES) {
            JsonNode answer = search(collection, query, "dense", null);
            assertThat(engine(answer)).isEqualTo("opensearch");
            assertSame(answer.path("results"), dense.get(query));
            assertThat(chunkIds(search(collection, query, "hybrid", null).path("results")))
                    .isEqualTo(chunkIds(hybrid.get(query)));
        }
        // the stage itself, with more candidates than the page shows: the whole list is PostgreSQL's
        CollectionRef ref = new CollectionRef(id, collection, embedder.name(), embedder.dimension(), DenseSearch.FULL);
        float[] vector = embedder.embedQuery("time off");
        SearchQueries.Dense fromIndex = denseStage.search(ref, vector, SearchFilter.NONE, 8, 400);
        SearchQueries.Dense fromSql = queries.dense(ref, vector, SearchFilter.NONE, 8, 400);
        assertThat(fromIndex.engine()).isEqualTo("opensearch");
        assertThat(fromIndex.candidates()).hasSize(8);
        assertThat(fromIndex.candidates().stream().map(SearchQueries.Candidate::chunkId).toList())
                .isEqualTo(fromSql.candidates().stream().map(SearchQueries.Candidate::chunkId).toList());
        for (int i = 0; i < 8; i++) {
            assertThat(fromIndex.candidates().get(i).score()).isCloseTo(fromSql.candidates().get(i).score(),
                    within(1e-4));
        }

        // filters: metadata (resolved in PostgreSQL to documents), source, document
        JsonNode travel = search(collection, "book a flight", "dense", Map.of("metadata", Map.of("team", "odd")));
        assertThat(engine(travel)).isEqualTo("opensearch");
        assertThat(sources(travel.path("results"))).isNotEmpty().allMatch(OpenSearchDenseApiTests::odd);
        assertThat(sources(travel.path("results"))).isEqualTo(sqlSources(ref, "book a flight",
                new SearchFilter(List.of(), List.of(), Map.of("team", "odd"))));
        assertThat(sources(search(collection, "book a flight", "dense", Map.of("source", List.of("page-4.md")))
                .path("results"))).containsExactly("page-4.md");
        assertThat(search(collection, "book a flight", "dense", Map.of("metadata", Map.of("team", "nobody")))
                .path("results")).isEmpty();

        // a deleted document: PostgreSQL answers until the index has applied the deletion, and neither serves it
        JsonNode flights = search(collection, "book a flight", "dense", null).path("results");
        assertThat(flights.get(0).path("source").asString()).isEqualTo("page-2.md");
        assertThat(admin().delete("/api/v1/collections/" + collection + "/documents/"
                + flights.get(0).path("documentId").asString()).status()).isEqualTo(204);
        JsonNode behind = search(collection, "book a flight", "dense", null);
        assertThat(engine(behind)).isEqualTo("postgres");
        assertThat(sources(behind.path("results"))).doesNotContain("page-2.md");
        assertThat(indexes.catchUp()).isTrue();
        JsonNode applied = search(collection, "book a flight", "dense", null);
        assertThat(engine(applied)).isEqualTo("opensearch");
        assertThat(sources(applied.path("results"))).doesNotContain("page-2.md");
        assertSame(applied.path("results"), behind.path("results"));
    }

    @Test
    void anIndexOfOtherVectorsIsRebuiltAndTwoStageCollectionsStayInPostgres() {
        String collection = "os-marker-" + RUN;
        long id = create(collection);
        assertThat(indexes.catchUp()).isTrue();
        float[] vector = embedder.embedQuery("book a flight");
        assertThat(engine(search(collection, "book a flight", "dense", null))).isEqualTo("opensearch");

        // a re-embedding swaps the vectors and the collection's embedder in one transaction, without feed rows:
        // the index's vectors are then not the collection's, and PostgreSQL answers until it is rebuilt
        jdbc.sql("UPDATE collections SET embedder = :e WHERE id = :id").param("e", "another-model")
                .param("id", id).update();
        try {
            CollectionRef reembedded = new CollectionRef(id, collection, "another-model", embedder.dimension(),
                    DenseSearch.FULL);
            assertThat(denseStage.search(reembedded, vector, SearchFilter.NONE, 5, 400).engine())
                    .isEqualTo("postgres");
            assertThat(indexes.catchUp()).isTrue();
            assertThat(denseStage.search(reembedded, vector, SearchFilter.NONE, 5, 400).engine())
                    .as("rebuilt with the collection's vectors").isEqualTo("opensearch");
        }
        finally {
            jdbc.sql("UPDATE collections SET embedder = :e WHERE id = :id").param("e", embedder.name())
                    .param("id", id).update();
        }
        assertThat(engine(search(collection, "book a flight", "dense", null))).isEqualTo("postgres");
        assertThat(indexes.catchUp()).isTrue();
        assertThat(engine(search(collection, "book a flight", "dense", null))).isEqualTo("opensearch");

        // binary (and matryoshka) re-score in SQL: PostgreSQL answers, before and after the index drops its vectors
        assertThat(admin().put("/api/v1/collections/" + collection + "/dense-search", Map.of("mode", "binary"))
                .status()).isEqualTo(200);
        JsonNode binary = search(collection, "book a flight", "dense", null);
        assertThat(engine(binary)).isEqualTo("postgres");
        assertThat(admin().get("/api/v1/collections/" + collection).body().path("denseSearch").path("engine")
                .asString()).isEqualTo("postgres");
        assertThat(indexes.catchUp()).isTrue();
        assertThat(engine(search(collection, "book a flight", "dense", null))).isEqualTo("postgres");
        assertThat(engine(search(collection, "book a flight", "hybrid", null))).isEqualTo("postgres");
        // lexical search still answers from the index rebuilt without vectors
        assertThat(search(collection, "flights", "lexical", null).path("results").get(0).path("source").asString())
                .isEqualTo("page-2.md");

        assertThat(admin().put("/api/v1/collections/" + collection + "/dense-search", Map.of("mode", "full"))
                .status()).isEqualTo(200);
        assertThat(indexes.catchUp()).isTrue();
        JsonNode full = search(collection, "book a flight", "dense", null);
        assertThat(engine(full)).isEqualTo("opensearch");
        assertThat(admin().get("/api/v1/collections/" + collection).body().path("denseSearch").path("engine")
                .asString()).isEqualTo("opensearch");
        assertThat(full.path("results").get(0).path("source").asString()).isEqualTo("page-2.md");
    }

    @Test
    void theOpenSearchDenseEngineWithAnotherLexicalEngineDoesNotStart() {
        LexicalProperties lucene = new LexicalProperties(LexicalProperties.Engine.LUCENE, Path.of("unused"),
                Duration.ofSeconds(1), 1, Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofDays(1), null, true);
        assertThatThrownBy(() -> new DenseStage(queries, new DenseProperties(DenseProperties.Engine.OPENSEARCH, 100),
                lucene, null, jdbc, json))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lore.retrieval.lexical.engine=opensearch");
    }

    /** Creates a collection of one page per topic, the odd pages marked {@code team: odd}; its id. */
    private long create(String collection) {
        assertThat(admin().post("/api/v1/collections", Map.of("name", collection)).status()).isEqualTo(201);
        for (int i = 0; i < TOPICS.length; i++) {
            Api.Response page = admin().post("/api/v1/collections/" + collection + "/documents", Map.of(
                    "title", "Page " + i, "text", "This page is about " + TOPICS[i] + ". Ask the office about "
                            + TOPICS[i] + ".", "source", "page-" + i + ".md",
                    "metadata", Map.of("team", i % 2 == 1 ? "odd" : "even")));
            assertThat(page.status()).as(page.raw()).isEqualTo(202);
            assertThat(admin().awaitIngestion(page.body().path("ingestionId").asString()).path("status").asString())
                    .isEqualTo("DONE");
        }
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection).query(Long.class)
                .single();
    }

    private JsonNode search(String collection, String query, String mode, Map<String, Object> filter) {
        Map<String, Object> body = new HashMap<>(Map.of("collection", collection, "query", query, "mode", mode,
                "topK", 5, "explain", true));
        if (filter != null) {
            body.put("filter", filter);
        }
        Api.Response response = admin().post("/api/v1/search", body);
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }

    private List<String> sqlSources(CollectionRef ref, String query, SearchFilter filter) {
        List<UUID> ids = queries.dense(ref, embedder.embedQuery(query), filter, 5, 400).candidates().stream()
                .map(SearchQueries.Candidate::chunkId).toList();
        return queries.rows(ids).stream().sorted(java.util.Comparator.comparing(row -> ids.indexOf(row.chunkId())))
                .map(SearchQueries.Row::source).toList();
    }

    private static String engine(JsonNode answer) {
        return answer.path("trace").path("denseSearch").path("engine").asString();
    }

    private static boolean odd(String source) {
        return Integer.parseInt(source.replaceAll("\\D", "")) % 2 == 1;
    }

    private static void assertSame(JsonNode actual, JsonNode expected) {
        assertThat(chunkIds(actual)).isEqualTo(chunkIds(expected));
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).path("score").asDouble()).isCloseTo(expected.get(i).path("score").asDouble(),
                    within(1e-4));
        }
    }

    private static List<String> chunkIds(JsonNode results) {
        return results.valueStream().map(r -> r.path("chunkId").asString()).toList();
    }

    private static List<String> sources(JsonNode results) {
        return results.valueStream().map(r -> r.path("source").asString()).toList();
    }
}
