package dev.lore.retrieval.lexical;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.retrieval.SearchFilter;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import dev.lore.support.RequiresOpenSearch;
import dev.lore.support.TestOpenSearch;
import tools.jackson.databind.JsonNode;

/**
 * The service with the OpenSearch engine on the test node: searches answer as the SQL engine does, before and after
 * the index has caught up, filters hold, a deleted document is never served, and a key keeps to its collections.
 */
@ExtendWith(RequiresOpenSearch.class)
class OpenSearchSearchApiTests extends IntegrationTest {

    private static final String COLLECTION = "opensearch-api";

    @DynamicPropertySource
    static void opensearch(DynamicPropertyRegistry registry) {
        registry.add("lore.retrieval.lexical.engine", () -> "opensearch");
        registry.add("lore.retrieval.lexical.poll-interval", () -> "200ms");
        registry.add("lore.retrieval.lexical.opensearch.urls", () -> TestOpenSearch.url().toString());
        registry.add("lore.retrieval.lexical.opensearch.index-prefix",
                () -> "lore-api-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        registry.add("lore.retrieval.lexical.opensearch.replicas", () -> "0");
    }

    @Autowired
    SqlLexicalSearch sql;

    @Autowired
    JdbcClient jdbc;

    @Test
    void searchesAnswerFromTheIndexOnceReadyAsSqlDoesAndNeverServeADeletedDocument() throws InterruptedException {
        createLeaveAndLaptops(COLLECTION);
        Api.Response memo = admin().post("/api/v1/collections/" + COLLECTION + "/documents", Map.of("title",
                "Ops leave", "text", "The ops team plans vacation days around releases.", "source", "ops.txt",
                "metadata", Map.of("team", "ops")));
        assertThat(admin().awaitIngestion(memo.body().path("ingestionId").asString()).path("status").asString())
                .isEqualTo("DONE");
        // before and after the index has caught up: the same list
        JsonNode before = search("vacation days", null);
        assertThat(before.get(0).path("source").asString()).isEqualTo("leave.md");
        JsonNode index = awaitReady(COLLECTION);
        assertThat(index.path("engine").asString()).isEqualTo("opensearch");
        assertThat(index.path("indexedChunks").asLong()).isEqualTo(3);
        assertThat(index.path("pendingChanges").asLong()).isZero();
        JsonNode after = search("vacation days", null);
        assertThat(chunkIds(after)).isEqualTo(chunkIds(before));
        long collection = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", COLLECTION)
                .query(Long.class).single();
        assertThat(chunkIds(after)).isEqualTo(sql.search(collection, "vacation days", SearchFilter.NONE, 10).stream()
                .map(hit -> hit.chunkId().toString()).toList());
        assertThat(search("laptops", null).get(0).path("source").asString()).isEqualTo("laptops.md");

        // filters: metadata (resolved in PostgreSQL to documents) and source
        JsonNode ops = search("vacation days", Map.of("metadata", Map.of("team", "ops")));
        assertThat(ops).hasSize(1);
        assertThat(ops.get(0).path("source").asString()).isEqualTo("ops.txt");
        assertThat(search("vacation days", Map.of("metadata", Map.of("team", "nobody")))).isEmpty();
        assertThat(search("vacation days", Map.of("source", List.of("laptops.md")))).isEmpty();

        // a key for another collection reads nothing of this one, whichever engine answers
        String stranger = admin().post("/api/v1/keys", Map.of("name", "opensearch-stranger", "collections",
                List.of(COLLECTION + "-other"), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(stranger).post("/api/v1/search", Map.of("collection", COLLECTION, "query", "vacation days",
                "mode", "lexical")).status()).isEqualTo(404);

        String leave = after.get(0).path("documentId").asString();
        assertThat(admin().delete("/api/v1/collections/" + COLLECTION + "/documents/" + leave).status())
                .isEqualTo(204);
        assertThat(sources(search("vacation days", null))).doesNotContain("leave.md");
        awaitReady(COLLECTION);
        assertThat(sources(search("vacation days", null))).containsExactly("ops.txt");
    }

    private JsonNode search(String query, Map<String, Object> filter) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("collection", COLLECTION, "query", query,
                "mode", "lexical"));
        if (filter != null) {
            body.put("filter", filter);
        }
        Api.Response response = admin().post("/api/v1/search", body);
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body().path("results");
    }

    private static List<String> chunkIds(JsonNode results) {
        return results.valueStream().map(r -> r.path("chunkId").asString()).toList();
    }

    private static List<String> sources(JsonNode results) {
        return results.valueStream().map(r -> r.path("source").asString()).toList();
    }

    /** Waits for the index to report ready (one instance applies the feed on its own thread); fails after a minute. */
    private JsonNode awaitReady(String collection) throws InterruptedException {
        JsonNode index = null;
        for (int i = 0; i < 600; i++) {
            index = admin().get("/api/v1/collections/" + collection).body().path("lexicalIndex");
            if (index.path("state").asString().equals("ready")) {
                return index;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the lexical index did not get ready: " + index);
    }
}
