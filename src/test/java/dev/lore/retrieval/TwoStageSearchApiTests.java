package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseSearch;
import dev.lore.documents.VectorIndexes;
import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two-stage dense search against real pgvector: when the first stage's N covers the collection, {@code binary} and
 * {@code matryoshka:<dims>} return exactly {@code full}'s top k with its scores, with and without their HNSW index;
 * the explain trace shows both stages; the collections API shows and changes the mode, refusing bad settings.
 */
@TestPropertySource(properties = "lore.vector-index.threshold=1000000")
class TwoStageSearchApiTests extends IntegrationTest {

    /** Collection names of this run: the test database outlives a run of a single class. */
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000L, 36);

    @Autowired
    JdbcClient jdbc;

    @Autowired
    VectorIndexes indexes;

    @Autowired
    DataSource dataSource;

    @Autowired
    JsonMapper json;

    @Autowired
    Embedder embedder;

    private static final String[] TOPICS = { "vacation days and annual leave", "laptops from the IT desk",
        "flights through the travel portal", "phishing emails and the security team", "salaries paid monthly",
        "parking permits for the garage", "expense reports and receipts", "the cafeteria menu on Fridays",
        "remote work from home", "health insurance and dental plans", "training budget for conferences",
        "fire drills and emergency exits" };

    private static final String[] QUERIES = { "how many vacation days", "who gives me a laptop",
        "book a flight", "suspicious email", "when is payday", "dental cover", "working from home" };

    private Part[] pages() {
        List<Part> pages = new ArrayList<>();
        for (int i = 0; i < TOPICS.length; i++) {
            pages.add(Part.file("page-" + i + ".md", "# Page " + i + "\n\nThis page is about " + TOPICS[i]
                    + ". Ask the office about " + TOPICS[i] + ".\n"));
        }
        return pages.toArray(Part[]::new);
    }

    private void create(String name, Map<String, Object> denseSearch) {
        Api.Response created = admin().post("/api/v1/collections", denseSearch == null ? Map.of("name", name)
                : Map.of("name", name, "denseSearch", denseSearch));
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        assertThat(admin().ingest(name, pages()).path("status").asString()).isEqualTo("DONE");
    }

    private List<String> top(String collection, String query) {
        JsonNode results = admin().post("/api/v1/search", Map.of("collection", collection, "query", query,
                "mode", "dense", "topK", 5)).body().path("results");
        List<String> top = new ArrayList<>();
        results.values().forEach(hit -> top.add(hit.path("source").asString() + " "
                + String.format("%.5f", hit.path("score").asDouble())));
        return top;
    }

    private long id(String collection) {
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection).query(Long.class)
                .single();
    }

    @Test
    void twoStagesReturnFullSearchsTopKWhenTheFirstStageCoversTheCollection() throws InterruptedException {
        create("ts-full-" + RUN, null);
        create("ts-binary-" + RUN, Map.of("mode", "binary", "candidates", 100));
        // the default embedder is not Matryoshka-trained, so the API refuses a prefix mode for it: the statement
        // itself is checked here by setting the mode in the database
        create("ts-prefix-" + RUN, null);
        jdbc.sql("UPDATE collections SET dense_search = 'matryoshka:64', dense_candidates = 100 WHERE name = 'ts-prefix-" + RUN + "'")
                .update();

        for (String query : QUERIES) {
            List<String> full = top("ts-full-" + RUN, query);
            assertThat(full).hasSize(5);
            assertThat(top("ts-binary-" + RUN, query)).as(query).isEqualTo(full);
            assertThat(top("ts-prefix-" + RUN, query)).as(query).isEqualTo(full);
        }

        // and through their HNSW indexes (iterative scans keep the first stage at N rows)
        for (String collection : List.of("ts-full-" + RUN, "ts-binary-" + RUN, "ts-prefix-" + RUN)) {
            indexes.ensure(id(collection));
        }
        assertThat(indexDefinition("ts-binary-" + RUN)).contains("binary_quantize", "bit_hamming_ops")
                .as("the bit vectors' graph keeps fewer neighbours, found with a longer list")
                .contains("m='8'", "ef_construction='200'");
        assertThat(indexDefinition("ts-prefix-" + RUN)).contains("subvector", "vector_cosine_ops");
        assertThat(admin().get("/api/v1/collections/ts-binary-" + RUN).body().path("vectorIndex").asString())
                .isEqualTo("hnsw");
        for (String query : QUERIES) {
            List<String> full = top("ts-full-" + RUN, query);
            assertThat(top("ts-binary-" + RUN, query)).as(query).isEqualTo(full);
            assertThat(top("ts-prefix-" + RUN, query)).as(query).isEqualTo(full);
        }
    }

    @Test
    void theExplainTraceShowsBothStages() {
        create("ts-explain-" + RUN, Map.of("mode", "binary", "candidates", 8));
        JsonNode trace = admin().post("/api/v1/search", Map.of("collection", "ts-explain-" + RUN, "query",
                "book a flight", "mode", "dense", "topK", 3, "explain", true)).body().path("trace").path("denseSearch");

        assertThat(trace.path("mode").asString()).isEqualTo("binary");
        JsonNode first = trace.path("stages").get(0);
        assertThat(first.path("stage").asString()).isEqualTo("first");
        assertThat(first.path("distance").asString()).contains("hamming");
        // the dense list holds 50 candidates by default, so the first stage passes on at least that many
        assertThat(first.path("limit").asInt()).isEqualTo(50);
        assertThat(first.path("rows").asInt()).isEqualTo(TOPICS.length);
        // a first stage of 50 rows walks the graph with the connection's own ef_search
        assertThat(first.path("efSearch").asInt()).isEqualTo(100);
        JsonNode rescore = trace.path("stages").get(1);
        assertThat(rescore.path("stage").asString()).isEqualTo("rescore");
        JsonNode best = rescore.path("candidates").get(0);
        assertThat(best.path("rank").asInt()).isEqualTo(1);
        assertThat(best.path("firstStageRank").asInt()).isBetween(1, TOPICS.length);
        assertThat(best.path("firstStageDistance").isNumber()).isTrue();
    }

    @Test
    void aLargerFirstStageWalksTheGraphWithAsLongAListForItsOwnTransactionOnly() throws Exception {
        create("ts-ef-" + RUN, Map.of("mode", "binary", "candidates", 300));
        indexes.ensure(id("ts-ef-" + RUN));
        JsonNode first = admin().post("/api/v1/search", Map.of("collection", "ts-ef-" + RUN, "query",
                "book a flight", "mode", "dense", "topK", 3, "explain", true)).body().path("trace")
                .path("denseSearch").path("stages").get(0);
        assertThat(first.path("limit").asInt()).isEqualTo(300);
        assertThat(first.path("efSearch").asInt()).isEqualTo(300);
        assertThat(first.path("rows").asInt()).isEqualTo(TOPICS.length);

        // past pgvector's largest ef_search the list stays at 1,000; and the setting is the search's transaction's
        // alone: the same connection afterwards has the pool's 100 again
        try (Connection connection = dataSource.getConnection()) {
            SingleConnectionDataSource one = new SingleConnectionDataSource(connection, true);
            SearchQueries queries = new SearchQueries(JdbcClient.create(one), json,
                    new TransactionTemplate(new JdbcTransactionManager(one)));
            CollectionRef collection = new CollectionRef(id("ts-ef-" + RUN), "ts-ef-" + RUN, embedder.name(),
                    embedder.dimension(), DenseSearch.parse("binary", 2000));
            SearchQueries.Dense dense = queries.dense(collection, embedder.embedQuery("book a flight"),
                    SearchFilter.NONE, 3, 320);
            assertThat(dense.firstStageLimit()).isEqualTo(2000);
            assertThat(dense.firstStageEfSearch()).isEqualTo(1000);
            assertThat(dense.candidates()).hasSize(3);
            assertThat(JdbcClient.create(one).sql("SHOW hnsw.ef_search").query(String.class).single())
                    .isEqualTo("100");
        }
    }

    @Test
    void theCollectionsApiShowsAndChangesTheModeAndRefusesBadSettings() throws InterruptedException {
        create("ts-settings-" + RUN, null);
        JsonNode listed = admin().get("/api/v1/collections").body().values().stream()
                .filter(c -> c.path("name").asString().equals("ts-settings-" + RUN)).findFirst().orElseThrow();
        assertThat(listed.path("denseSearch").path("mode").asString()).isEqualTo("full");
        // the suite runs twice: on PostgreSQL, and with the OpenSearch dense engine, whose index answers a full
        // collection once current (OpenSearchDenseApiTests checks the trace and the view side by side)
        assertThat(listed.path("denseSearch").path("engine").asString())
                .isEqualTo(System.getProperty("lore.retrieval.dense.engine", "postgres"));

        Api.Response changed = admin().put("/api/v1/collections/ts-settings-" + RUN + "/dense-search",
                Map.of("mode", "binary", "candidates", 64));
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body().path("denseSearch").path("mode").asString()).isEqualTo("binary");
        assertThat(changed.body().path("denseSearch").path("candidates").asInt()).isEqualTo(64);
        assertThat(changed.body().path("denseSearch").path("candidatesDefault").asBoolean()).isFalse();
        indexes.ensure(id("ts-settings-" + RUN));
        assertThat(indexDefinition("ts-settings-" + RUN)).contains("bit_hamming_ops");
        assertThat(top("ts-settings-" + RUN, "book a flight").get(0)).startsWith("page-2.md");

        // back to full: the binary index goes, a full one comes
        assertThat(admin().put("/api/v1/collections/ts-settings-" + RUN + "/dense-search", Map.of("mode", "full")).status())
                .isEqualTo(200);
        indexes.ensure(id("ts-settings-" + RUN));
        assertThat(indexDefinition("ts-settings-" + RUN)).contains("vector_cosine_ops").doesNotContain("bit_hamming_ops");

        Api.Response notMatryoshka = admin().put("/api/v1/collections/ts-settings-" + RUN + "/dense-search",
                Map.of("mode", "matryoshka:128"));
        assertThat(notMatryoshka.status()).isEqualTo(400);
        assertThat(notMatryoshka.problemType()).isEqualTo("invalid-dense-search");
        assertThat(notMatryoshka.body().path("detail").asString()).contains("all-minilm-l6-v2-q", "not marked");
        Api.Response unknown = admin().post("/api/v1/collections", Map.of("name", "ts-unknown-" + RUN, "denseSearch",
                Map.of("mode", "pq")));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("detail").asString()).contains("'pq'");
        Api.Response tooMany = admin().put("/api/v1/collections/ts-settings-" + RUN + "/dense-search",
                Map.of("mode", "binary", "candidates", 100_000));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(admin().get("/api/v1/collections/ts-unknown-" + RUN).status()).isEqualTo(404);
    }

    private String indexDefinition(String collection) {
        return jdbc.sql("""
                SELECT string_agg(pg_get_indexdef(i.indexrelid), ' | ') FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'chunks'::regclass AND c.relname ~ :pattern""")
                .param("pattern", "^chunks_embedding_c" + id(collection) + "(_|$)").query(String.class).single();
    }
}
