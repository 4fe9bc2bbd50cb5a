package dev.lore.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The test node has the k-NN plugin: a {@code knn_vector} field on the Lucene engine (HNSW, cosine) answers the
 * {@code knn} query nearest first, and a filter inside the query keeps only the matching documents while still
 * answering k of them.
 */
@ExtendWith(RequiresOpenSearch.class)
class TestOpenSearchKnnTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();

    private String index;

    @BeforeEach
    void createIndex() throws Exception {
        index = "knn-" + UUID.randomUUID();
        send("PUT", "/" + index, """
                {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "index.knn": true},
                 "mappings": {"properties": {
                   "embedding": {"type": "knn_vector", "dimension": 3,
                                 "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
                   "tag": {"type": "keyword"}}}}""");
        // angles from the query vector [1, 0, 0]: a 0°, b 30°, c 60°, d 90°, e 120° (cosine, not length, orders them)
        index("a", "odd", 1, 0, 0);
        index("b", "even", 0.866, 0.5, 0);
        index("c", "odd", 0.5 * 3, 0.866 * 3, 0);
        index("d", "even", 0, 1, 0);
        index("e", "odd", -0.5, 0.866, 0);
        send("POST", "/" + index + "/_refresh", null);
    }

    @AfterEach
    void deleteIndex() throws Exception {
        send("DELETE", "/" + index, null);
    }

    @Test
    void theKnnQueryAnswersTheNearestByCosineFirst() throws Exception {
        JsonNode hits = search("""
                {"size": 3, "query": {"knn": {"embedding": {"vector": [1, 0, 0], "k": 3}}}}""");

        assertThat(ids(hits)).containsExactly("a", "b", "c");
        // the Lucene engine's cosine score is (1 + cosine) / 2
        assertThat(hits.get(0).get("_score").asDouble()).isCloseTo(1.0, within(1e-4));
        assertThat(hits.get(2).get("_score").asDouble()).isCloseTo(0.75, within(1e-3));
    }

    @Test
    void aFilterInsideTheKnnQueryKeepsOnlyMatchingDocumentsAndStillAnswersK() throws Exception {
        JsonNode hits = search("""
                {"size": 3, "query": {"knn": {"embedding": {"vector": [1, 0, 0], "k": 3,
                                                            "filter": {"term": {"tag": "odd"}}}}}}""");

        assertThat(ids(hits)).containsExactly("a", "c", "e");
    }

    private void index(String id, String tag, double... vector) throws Exception {
        send("PUT", "/" + index + "/_doc/" + id, json.writeValueAsString(Map.of("tag", tag,
                "embedding", vector)));
    }

    private JsonNode search(String body) throws Exception {
        return json.readTree(send("POST", "/" + index + "/_search", body)).path("hits").path("hits");
    }

    private static List<String> ids(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(hit -> ids.add(hit.get("_id").asString()));
        return ids;
    }

    private String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(TestOpenSearch.url() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return response.body();
    }
}
