package dev.lore.retrieval.lexical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseSearch;
import dev.lore.models.Embedder;
import dev.lore.retrieval.SearchFilter;
import dev.lore.retrieval.dense.OpenSearchDenseSearch;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import dev.lore.support.RequiresOpenSearch;
import dev.lore.support.TestOpenSearch;

/**
 * OpenSearch indexes kept from PostgreSQL through the change feed, run as separate instances beside the service
 * (whose own lexical engine is SQL here), on the test node: each instance applies the feed only when a test calls
 * {@link OpenSearchIndexes#catchUp()}. Each test uses an index prefix of its own, so instances of one test share
 * their indexes (as Lore instances do) and tests do not see each other's.
 */
@ExtendWith(RequiresOpenSearch.class)
class OpenSearchIndexesTests extends IntegrationTest {

    private static final List<String> QUERIES = List.of("vacation days employees", "broken laptop computers",
            "train tickets agency", "annual leave years of service", "employees laptops travel", "the agency's meals");

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    SqlLexicalSearch sql;

    @Autowired
    Embedder embedder;

    @TempDir
    Path dirs;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeInstances() throws Exception {
        for (AutoCloseable instance : opened) {
            instance.close();
        }
    }

    @Test
    void ranksTheSmallCorpusAsLuceneAndSqlDo() {
        long collection = corpus("opensearch-parity");
        OpenSearchIndexes opensearch = instance(prefix());
        assertThat(opensearch.catchUp()).isTrue();
        LuceneIndexes lucene = new LuceneIndexes(dataSource, properties(LexicalProperties.Engine.LUCENE, prefix()),
                "opensearch-parity-" + UUID.randomUUID());
        opened.add(lucene);
        lucene.catchUp();
        for (String query : QUERIES) {
            List<LexicalHit> expected = sql.search(collection, query, SearchFilter.NONE, 10);
            List<LexicalHit> fromLucene = lucene.search(collection, query, List.of(), null, 10).orElseThrow();
            List<LexicalHit> actual = opensearch.search(collection, query, List.of(), null, 10).orElseThrow();
            assertThat(expected).as(query).isNotEmpty();
            // the same analysis, norms and BM25 as this instance's Lucene index: the same list, the same scores
            assertThat(ids(actual)).as(query).isEqualTo(ids(fromLucene));
            for (int i = 0; i < actual.size(); i++) {
                assertThat(actual.get(i).score()).as(query + " #" + (i + 1))
                        .isCloseTo(fromLucene.get(i).score(), Percentage.withPercentage(0.01));
            }
            // and as the SQL engine up to near-ties (Lucene's one-byte chunk lengths, see LuceneIndexesTests)
            assertThat(actual).as(query).hasSize(expected.size());
            assertThat(actual.get(0).chunkId()).as(query).isEqualTo(expected.get(0).chunkId());
            Map<UUID, Double> sqlScores = new java.util.HashMap<>();
            expected.forEach(hit -> sqlScores.put(hit.chunkId(), hit.score()));
            for (int i = 0; i < actual.size(); i++) {
                assertThat(sqlScores.get(actual.get(i).chunkId())).as(query + " #" + (i + 1))
                        .isCloseTo(expected.get(i).score(), Percentage.withPercentage(5));
            }
        }
        // filters: a source, documents; the words must still match
        assertThat(opensearch.search(collection, "vacation days", List.of("travel.md"), null, 10).orElseThrow())
                .isEmpty();
        assertThat(opensearch.search(collection, "vacation days", List.of("leave.md"), null, 10).orElseThrow())
                .hasSize(1);
        UUID sick = document(collection, "sick.md");
        List<LexicalHit> onlySick = opensearch.search(collection, "vacation days", List.of(), List.of(sick), 10)
                .orElseThrow();
        assertThat(onlySick).hasSize(1);
        assertThat(chunkDocument(onlySick.get(0).chunkId())).isEqualTo(sick);
        // a query of stop words alone has no word to look for
        assertThat(opensearch.search(collection, "the of and", List.of(), null, 10).orElseThrow()).isEmpty();
    }

    @Test
    void twoInstancesShareOneIndexAndOnlyOneAppliesTheFeedAtATime() throws Exception {
        long collection = corpus("opensearch-shared");
        String prefix = prefix();
        OpenSearchIndexes first = instance(prefix);
        OpenSearchIndexes second = instance(prefix);
        assertThat(first.catchUp()).isTrue();
        // the second instance built nothing, yet answers from the index the first one wrote, identically
        for (String query : QUERIES) {
            assertThat(second.search(collection, query, List.of(), null, 10).orElseThrow()).as(query)
                    .isEqualTo(first.search(collection, query, List.of(), null, 10).orElseThrow());
        }
        String index = first.state(collection).index();

        // while another holds the applier's lock, an instance's pass does nothing
        try (Connection holder = dataSource.getConnection(); Statement statement = holder.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + 0x4C4F + ", " + prefix.hashCode() + ")");
            UUID laptops = document(collection, "laptops.md");
            assertThat(admin().delete("/api/v1/collections/opensearch-shared/documents/" + laptops).status())
                    .isEqualTo(204);
            assertThat(second.catchUp()).isFalse();
            // behind the feed: neither instance answers from the index, SQL does
            assertThat(first.search(collection, "broken laptop", List.of(), null, 10)).isEmpty();
            assertThat(second.search(collection, "broken laptop", List.of(), null, 10)).isEmpty();
            statement.execute("SELECT pg_advisory_unlock(" + 0x4C4F + ", " + prefix.hashCode() + ")");
        }
        // the other instance applies the delete; both answer from the index again, without the deleted chunk
        assertThat(second.catchUp()).isTrue();
        assertThat(first.state(collection).index()).isEqualTo(index);
        List<LexicalHit> broken = first.search(collection, "broken laptop", List.of(), null, 10).orElseThrow();
        assertThat(broken).extracting(hit -> chunkSource(hit.chunkId())).doesNotContain("laptops.md")
                .contains("monitors.md");
        assertThat(second.search(collection, "broken laptop", List.of(), null, 10).orElseThrow()).isEqualTo(broken);
        assertThat(first.of(collection).state()).isEqualTo("ready");
        assertThat(first.of(collection).indexedChunks()).isEqualTo(chunks(collection));
    }

    @Test
    void anIndexOfAnotherMappingVersionIsRebuiltAndTheOldOneDropped() throws Exception {
        long collection = corpus("opensearch-layout");
        String prefix = prefix();
        OpenSearchIndexes first = instance(prefix);
        first.catchUp();
        String old = first.state(collection).index();
        List<LexicalHit> before = first.search(collection, "train tickets", List.of(), null, 10).orElseThrow();

        // as an older version of Lore would have written it
        HttpResponse<String> relabelled = http("PUT", "/" + old + "/_mapping",
                "{\"_meta\": {\"layout\": \"lore-opensearch-0\", \"collection\": " + collection + "}}");
        assertThat(relabelled.statusCode()).as(relabelled.body()).isEqualTo(200);
        // a newer instance reads the index's layout and rebuilds it into a new generation
        OpenSearchIndexes newer = instance(prefix);
        assertThat(newer.catchUp()).isTrue();
        String rebuilt = newer.state(collection).index();
        assertThat(rebuilt).isNotEqualTo(old).startsWith(prefix + "-c" + collection + "-");
        assertThat(http("GET", "/" + old, null).statusCode()).isEqualTo(404);
        assertThat(http("GET", "/" + rebuilt + "/_mapping", null).body()).contains(OpenSearchIndexes.LAYOUT);
        assertThat(first.search(collection, "train tickets", List.of(), null, 10).orElseThrow()).isEqualTo(before);
        assertThat(newer.of(collection).indexedChunks()).isEqualTo(chunks(collection));

        // a deleted collection's index goes with it
        assertThat(admin().delete("/api/v1/collections/opensearch-layout").status()).isEqualTo(204);
        newer.catchUp();
        assertThat(http("GET", "/" + rebuilt, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aReindexRequestRebuildsTheSharedIndexOnceWithTheShardsNowConfigured() throws Exception {
        long collection = corpus("opensearch-reindex");
        String prefix = prefix();
        OpenSearchIndexes first = instance(prefix, 1);
        first.catchUp();
        String old = first.state(collection).index();
        // an index that drifted from PostgreSQL: it no longer holds laptops.md's chunk
        UUID laptops = document(collection, "laptops.md");
        for (UUID chunk : jdbc.sql("SELECT id FROM chunks WHERE document_id = :d").param("d", laptops)
                .query(UUID.class).list()) {
            HttpResponse<String> forgotten = http("DELETE", "/" + old + "/_doc/" + chunk + "?refresh=true", null);
            assertThat(forgotten.statusCode()).as(forgotten.body()).isEqualTo(200);
        }
        assertThat(first.search(collection, "broken computers", List.of(), null, 5).orElseThrow()).isEmpty();
        first.catchUp();
        assertThat(first.state(collection).index()).as("nothing requested yet").isEqualTo(old);

        // the operator raised the shard count, which only a new index takes, and asks for a reindex
        assertThat(admin().post("/api/v1/collections/opensearch-reindex/reindex", Map.of()).status())
                .isEqualTo(202);
        OpenSearchIndexes second = instance(prefix, 2);
        assertThat(second.of(collection).state()).isEqualTo("rebuilding");
        assertThat(second.catchUp()).isTrue();
        String rebuilt = second.state(collection).index();
        assertThat(rebuilt).isNotEqualTo(old);
        assertThat(http("GET", "/" + old, null).statusCode()).isEqualTo(404);
        assertThat(http("GET", "/" + rebuilt + "/_settings", null).body()).contains("\"number_of_shards\":\"2\"");
        assertThat(ids(first.search(collection, "broken computers", List.of(), null, 5).orElseThrow()))
                .as("the instance that did not rebuild reads the new index too")
                .containsExactlyElementsOf(ids(sql.search(collection, "broken computers", SearchFilter.NONE, 5)))
                .isNotEmpty();
        assertThat(first.of(collection).state()).isEqualTo("ready");
        assertThat(first.of(collection).indexedChunks()).isEqualTo(chunks(collection));

        // once per request, whichever instance applies the feed next
        first.catchUp();
        second.catchUp();
        assertThat(second.state(collection).index()).isEqualTo(rebuilt);
    }

    @Test
    void anInstanceTheClusterHasNotYetToldOfItsKnnPluginLeavesTheIndexesVectorsAndTakesThemUpOnceTold()
            throws Exception {
        long collection = corpus("opensearch-knn-unanswered");
        String prefix = prefix();
        OpenSearchIndexes first = instance(prefix, TestOpenSearch.url(), true);
        assertThat(first.catchUp()).isTrue();
        OpenSearchIndexes.State built = first.state(collection);
        assertThat(built.vectors()).as("the test node loads the k-NN plugin").isNotNull();

        try (KnnAnswering cluster = new KnnAnswering(503)) {
            // a cluster still starting says nothing of its plugins: the pass keeps the index and its vectors, and
            // goes on applying the feed to it, vectors included
            OpenSearchIndexes starting = instance(prefix, cluster.url(), true);
            assertThat(starting.catchUp()).isTrue();
            assertThat(starting.vectors()).isFalse();
            assertThat(starting.state(collection).index()).isEqualTo(built.index());
            assertThat(starting.state(collection).vectors()).isEqualTo(built.vectors());
            UUID laptops = document(collection, "laptops.md");
            assertThat(admin().delete("/api/v1/collections/opensearch-knn-unanswered/documents/" + laptops).status())
                    .isEqualTo(204);
            assertThat(admin().ingest("opensearch-knn-unanswered", Part.file("bikes.md", """
                    # Bikes
                    Bike racks are in the garage; bring your own lock.
                    """)).path("status").asString()).isEqualTo("DONE");
            cluster.status = 429;
            assertThat(starting.catchUp()).isTrue();
            assertThat(starting.vectors()).as("a busy cluster has said nothing either").isFalse();
            OpenSearchIndexes.State applied = starting.state(collection);
            assertThat(applied.index()).isEqualTo(built.index());
            assertThat(applied.vectors()).isEqualTo(built.vectors());
            assertThat(applied.position()).isGreaterThan(built.position());
            assertThat(starting.of(collection).indexedChunks()).isEqualTo(chunks(collection));

            cluster.status = 200;
            assertThat(starting.catchUp()).isTrue();
            assertThat(starting.vectors()).isTrue();
            assertThat(starting.state(collection).index()).isEqualTo(built.index());
            assertThat(starting.state(collection).vectors()).isEqualTo(built.vectors());
            assertThat(starting.dense(ref(collection), vector("bike racks"), List.of(), null, 3).orElseThrow())
                    .as("the vectors applied while the cluster said nothing are searched").isNotEmpty()
                    .first().satisfies(hit -> assertThat(chunkSource(hit.chunkId())).isEqualTo("bikes.md"));
        }
        // what counts as an answer: only a cluster without the endpoint says no; a busy or starting one, or a user
        // not allowed the plugin's stats, says nothing
        try (KnnAnswering cluster = new KnnAnswering(200)) {
            OpenSearchDenseSearch asking = new OpenSearchDenseSearch(OpenSearchIndexes.client(
                    new LexicalProperties.OpenSearch(List.of(cluster.url()), prefix, 1, 0, null, null,
                            Duration.ofSeconds(30), 500)), 100);
            assertThat(asking.available()).isTrue();
            for (int status : List.of(400, 404, 405)) {
                cluster.status = status;
                assertThat(asking.available()).as("status " + status).isFalse();
            }
            for (int status : List.of(401, 403, 429, 500, 503)) {
                cluster.status = status;
                assertThatThrownBy(asking::available).as("status " + status).isInstanceOf(IOException.class);
            }
        }
        // a cluster that refuses the API (no plugin) has said no: the index is rebuilt to hold words alone
        try (KnnAnswering cluster = new KnnAnswering(400)) {
            OpenSearchIndexes without = instance(prefix, cluster.url(), true);
            assertThat(without.catchUp()).isTrue();
            assertThat(without.vectors()).isFalse();
            assertThat(without.state(collection).index()).isNotEqualTo(built.index());
            assertThat(without.state(collection).vectors()).isNull();
        }
    }

    private OpenSearchIndexes instance(String prefix) {
        return instance(prefix, 1);
    }

    private OpenSearchIndexes instance(String prefix, int shards) {
        LexicalProperties properties = properties(LexicalProperties.Engine.OPENSEARCH, prefix, shards);
        OpenSearchIndexes indexes = new OpenSearchIndexes(dataSource, properties,
                OpenSearchIndexes.client(properties.opensearch()), json);
        opened.add(indexes);
        return indexes;
    }

    /** An instance on the cluster at {@code url}, holding vectors too when {@code dense}. */
    private OpenSearchIndexes instance(String prefix, URI url, boolean dense) {
        LexicalProperties properties = new LexicalProperties(LexicalProperties.Engine.OPENSEARCH, dirs.resolve(prefix),
                Duration.ofHours(1), 20000, Duration.ZERO, Duration.ofMinutes(10), Duration.ofDays(7),
                new LexicalProperties.OpenSearch(List.of(url), prefix, 1, 0, null, null, Duration.ofSeconds(30), 500),
                true);
        var client = OpenSearchIndexes.client(properties.opensearch());
        OpenSearchIndexes indexes = new OpenSearchIndexes(dataSource, properties, client, json,
                dense ? new OpenSearchIndexes.Vectors(new OpenSearchDenseSearch(client, 100), 16, 64) : null);
        opened.add(indexes);
        return indexes;
    }

    /**
     * The test node behind a proxy whose k-NN plugin API answers {@code status} (200: the node's own answer), as a
     * cluster that is starting (503) or has no such plugin (400) would.
     */
    private static final class KnnAnswering implements AutoCloseable {

        volatile int status;
        private final HttpServer server;
        private final HttpClient node = HttpClient.newHttpClient();

        KnnAnswering(int status) throws IOException {
            this.status = status;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::forward);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        private void forward(HttpExchange exchange) throws IOException {
            try (exchange) {
                URI uri = exchange.getRequestURI();
                boolean head = exchange.getRequestMethod().equals("HEAD");
                if (uri.getPath().startsWith("/_plugins/_knn/") && status != 200) {
                    exchange.sendResponseHeaders(status, -1);
                    return;
                }
                byte[] body = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder request = HttpRequest.newBuilder(TestOpenSearch.url().resolve(uri.getRawPath()
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                        .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
                String type = exchange.getRequestHeaders().getFirst("Content-Type");
                if (type != null) {
                    request.header("Content-Type", type);
                }
                HttpResponse<byte[]> response = node.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                response.headers().firstValue("Content-Type")
                        .ifPresent(value -> exchange.getResponseHeaders().set("Content-Type", value));
                byte[] answer = response.body();
                exchange.sendResponseHeaders(response.statusCode(), head || answer.length == 0 ? -1 : answer.length);
                if (!head && answer.length > 0) {
                    exchange.getResponseBody().write(answer);
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private LexicalProperties properties(LexicalProperties.Engine engine, String prefix) {
        return properties(engine, prefix, 1);
    }

    private LexicalProperties properties(LexicalProperties.Engine engine, String prefix, int shards) {
        return new LexicalProperties(engine, dirs.resolve(prefix), Duration.ofMillis(500), 20000, Duration.ZERO,
                Duration.ofMinutes(10), Duration.ofDays(7), new LexicalProperties.OpenSearch(
                        List.of(TestOpenSearch.url()), prefix, shards, 0, null, null, Duration.ofSeconds(30), 500), true);
    }

    private static String prefix() {
        return "lore-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(TestOpenSearch.url() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The corpus of {@code LuceneIndexesTests}: six short documents whose words overlap. */
    private long corpus(String name) {
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name,
                Part.file("leave.md", """
                        # Leave
                        ## Annual leave
                        Employees accrue vacation days every pay period; full-time staff earn between 13 and 26 days
                        of annual leave a year depending on their years of service.
                        """),
                Part.file("sick.md", """
                        # Sick leave
                        Employees earn sick days too; sick leave is separate from vacation and annual leave.
                        """),
                Part.file("laptops.md", """
                        # Equipment
                        ## Laptops
                        New hires receive a laptop on their first day. Broken computers are replaced by the IT desk.
                        """),
                Part.file("monitors.md", """
                        # Equipment
                        ## Monitors
                        Employees may ask the IT desk for a second monitor for their laptop.
                        """),
                Part.file("travel.md", """
                        # Travel
                        ## Booking trains
                        Book train tickets through the travel agency portal at least a week ahead.
                        """),
                Part.file("expenses.md", """
                        # Travel expenses
                        Keep the receipts of train tickets, hotels and meals; the agency's staff do not book meals.
                        """)).path("status").asString()).isEqualTo("DONE");
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
    }

    private UUID document(long collection, String source) {
        return jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = :s").param("c", collection)
                .param("s", source).query(UUID.class).single();
    }

    private UUID chunkDocument(UUID chunk) {
        return jdbc.sql("SELECT document_id FROM chunks WHERE id = :id").param("id", chunk).query(UUID.class)
                .single();
    }

    private String chunkSource(UUID chunk) {
        return jdbc.sql("SELECT source FROM chunks WHERE id = :id").param("id", chunk).query(String.class).single();
    }

    private CollectionRef ref(long collection) {
        String name = jdbc.sql("SELECT name FROM collections WHERE id = :id").param("id", collection)
                .query(String.class).single();
        return new CollectionRef(collection, name, embedder.name(), embedder.dimension(), DenseSearch.FULL);
    }

    private float[] vector(String query) {
        return embedder.embedQuery(query);
    }

    private long chunks(long collection) {
        return jdbc.sql("SELECT count(*) FROM chunks WHERE collection_id = :c").param("c", collection)
                .query(Long.class).single();
    }

    private static List<UUID> ids(List<LexicalHit> hits) {
        return hits.stream().map(LexicalHit::chunkId).toList();
    }
}
