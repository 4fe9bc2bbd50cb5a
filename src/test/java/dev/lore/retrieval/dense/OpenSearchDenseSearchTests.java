package dev.lore.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;

import dev.lore.documents.DenseSearch;
import dev.lore.retrieval.lexical.LexicalProperties;
import dev.lore.retrieval.lexical.OpenSearchIndexes;
import dev.lore.support.RequiresOpenSearch;
import dev.lore.support.TestOpenSearch;

import tools.jackson.databind.json.JsonMapper;

/**
 * Dense search through the k-NN plugin on the test node answers what an exact cosine search of the same vectors
 * answers: the same chunks in the same order with the same cosine scores, and, filtered by source or document, the
 * exact answer among the chunks that pass, as many as asked for.
 */
@ExtendWith(RequiresOpenSearch.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenSearchDenseSearchTests {

    private static final int DIMENSION = 16;
    private static final int CHUNKS = 300;
    private static final List<String> SOURCES = List.of("handbook.md", "policy.pdf", "faq.html");

    private record Chunk(UUID id, UUID document, String source, float[] vector) {
    }

    private final JsonMapper json = JsonMapper.builder().build();
    private final Random random = new Random(25);
    private final List<Chunk> chunks = new ArrayList<>();
    private final List<UUID> documents = new ArrayList<>();
    private final String index = "lore-test-dense-" + UUID.randomUUID();
    private OpenSearchClient client;
    private OpenSearchDenseSearch dense;

    @BeforeAll
    void indexChunks() throws Exception {
        client = OpenSearchIndexes.client(new LexicalProperties.OpenSearch(List.of(TestOpenSearch.url()), "lore-test",
                1, 0, null, null, Duration.ofSeconds(30), 500));
        dense = new OpenSearchDenseSearch(client, 100);
        send("PUT", "/" + index, json.writeValueAsString(Map.of(
                "settings", Map.of("index", Map.of("number_of_shards", 1, "number_of_replicas", 0, "knn", true)),
                // as the collection's index will hold them: PostgreSQL keeps the vectors, _source does not
                "mappings", Map.of("dynamic", "strict", "_source", Map.of("excludes",
                        List.of(OpenSearchDenseSearch.EMBEDDING)), "properties", Map.of(
                        OpenSearchDenseSearch.DOCUMENT, Map.of("type", "keyword"),
                        OpenSearchDenseSearch.SOURCE, Map.of("type", "keyword"),
                        OpenSearchDenseSearch.EMBEDDING, OpenSearchDenseSearch.fieldMapping(DIMENSION, 16, 64))))));
        for (int d = 0; d < 10; d++) {
            documents.add(UUID.randomUUID());
        }
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < CHUNKS; i++) {
            Chunk chunk = new Chunk(UUID.randomUUID(), documents.get(i % documents.size()),
                    SOURCES.get(i % SOURCES.size()), vector());
            chunks.add(chunk);
            bulk.append(json.writeValueAsString(Map.of("index", Map.of("_index", index, "_id", chunk.id().toString()))))
                    .append('\n');
            Map<String, Object> document = new LinkedHashMap<>();
            document.put(OpenSearchDenseSearch.DOCUMENT, chunk.document().toString());
            document.put(OpenSearchDenseSearch.SOURCE, chunk.source());
            document.put(OpenSearchDenseSearch.EMBEDDING, chunk.vector());
            bulk.append(json.writeValueAsString(document)).append('\n');
        }
        String response = send("POST", "/_bulk?refresh=true", bulk.toString());
        assertThat(json.readTree(response).path("errors").asBoolean()).as(response).isFalse();
    }

    @AfterAll
    void deleteIndex() throws Exception {
        if (client != null) {
            send("DELETE", "/" + index, null);
            client._transport().close();
        }
    }

    @Test
    void theClusterAnswersTheKnnPluginsApi() throws Exception {
        assertThat(dense.available()).isTrue();
    }

    @Test
    void answersTheNearestChunksByCosineAsAnExactSearchDoes() throws Exception {
        for (int q = 0; q < 5; q++) {
            float[] query = vector();
            List<OpenSearchDenseSearch.Hit> hits = dense.search(index, query, List.of(), null, 10);

            assertMatchesExactSearch(hits, query, chunk -> true, 10);
        }
    }

    @Test
    void filtersBySourceAndDocumentInsideTheGraphWalkAndStillAnswersAsManyAsAskedFor() throws Exception {
        float[] query = vector();
        // a third of the chunks
        List<OpenSearchDenseSearch.Hit> bySource = dense.search(index, query, List.of("policy.pdf"), null, 10);
        assertMatchesExactSearch(bySource, query, chunk -> chunk.source().equals("policy.pdf"), 10);

        // one document: 30 chunks, 10 of each source; with two of the sources, 20 pass, of which 5 are asked for
        UUID document = documents.get(3);
        List<OpenSearchDenseSearch.Hit> byDocument = dense.search(index, query, List.of(), Set.of(document), 12);
        assertMatchesExactSearch(byDocument, query, chunk -> chunk.document().equals(document), 12);
        List<OpenSearchDenseSearch.Hit> both = dense.search(index, query, List.of("faq.html", "handbook.md"),
                Set.of(document), 5);
        assertMatchesExactSearch(both, query, chunk -> chunk.document().equals(document)
                && !chunk.source().equals("policy.pdf"), 5);
    }

    @Test
    void aFilterOfNoDocumentsAnswersNothing() throws Exception {
        assertThat(dense.search(index, vector(), List.of(), Set.of(), 10)).isEmpty();
        assertThat(dense.search(index, vector(), List.of("nowhere.txt"), null, 10)).isEmpty();
    }

    @Test
    void servesFullSearchOfVectorsTheLuceneEngineIndexes() {
        assertThat(OpenSearchDenseSearch.serves(DenseSearch.FULL, 384)).isTrue();
        assertThat(OpenSearchDenseSearch.serves(DenseSearch.FULL, OpenSearchDenseSearch.MAX_DIMENSIONS + 1))
                .isFalse();
        assertThat(OpenSearchDenseSearch.serves(DenseSearch.parse("binary", null), 384)).isFalse();
        assertThat(OpenSearchDenseSearch.serves(DenseSearch.parse("matryoshka:128", null), 768)).isFalse();
        assertThatThrownBy(() -> OpenSearchDenseSearch.fieldMapping(OpenSearchDenseSearch.MAX_DIMENSIONS + 1, 16, 64))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void assertMatchesExactSearch(List<OpenSearchDenseSearch.Hit> hits, float[] query,
            Predicate<Chunk> passes, int limit) {
        List<Chunk> expected = chunks.stream().filter(passes)
                .sorted(Comparator.comparingDouble((Chunk chunk) -> cosine(query, chunk.vector())).reversed())
                .limit(limit).toList();
        assertThat(expected).hasSize(limit);
        assertThat(hits).extracting(OpenSearchDenseSearch.Hit::chunkId)
                .containsExactlyElementsOf(expected.stream().map(Chunk::id).toList());
        for (int i = 0; i < hits.size(); i++) {
            assertThat(hits.get(i).score()).isCloseTo(cosine(query, expected.get(i).vector()), within(1e-4));
        }
    }

    private float[] vector() {
        float[] vector = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        return vector;
    }

    private static double cosine(float[] a, float[] b) {
        return dev.lore.models.Embedder.cosine(a, b);
    }

    private static String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(TestOpenSearch.url() + path))
                .header("Content-Type", path.startsWith("/_bulk") ? "application/x-ndjson" : "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return response.body();
    }
}
