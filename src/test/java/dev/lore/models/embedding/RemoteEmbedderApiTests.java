package dev.lore.models.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The whole service on a remote OpenAI-compatible embedder (an honest fake): collections take its dimension, its
 * prefixes and batches reach the wire, a service that is down makes searches 503 with Retry-After while uploads wait
 * and then finish, vectors Lore cannot store fail their document with the reason, and agents remember at its size.
 */
class RemoteEmbedderApiTests extends IntegrationTest {

    /** Collection names of this run: the test database outlives a run of a single class. */
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000L, 36);

    static final FakeEmbeddingServer SERVER = new FakeEmbeddingServer(64);

    @DynamicPropertySource
    static void remoteEmbedder(DynamicPropertyRegistry registry) {
        registry.add("lore.models.embedder", () -> "openai:fake-embed");
        registry.add("lore.models.embedding.base-url", SERVER::baseUrl);
        registry.add("lore.models.embedding.batch-size", () -> "2");
        registry.add("lore.models.embedding.query-prefix", () -> "query: ");
        registry.add("lore.models.embedding.document-prefix", () -> "passage: ");
        registry.add("lore.models.embedding.matryoshka", () -> "true");
        registry.add("lore.models.resilience.timeout", () -> "3s");
        registry.add("lore.models.resilience.max-attempts", () -> "2");
        registry.add("lore.models.resilience.initial-backoff", () -> "20ms");
        registry.add("lore.models.resilience.max-backoff", () -> "100ms");
        registry.add("lore.models.resilience.open-state-wait", () -> "1s");
    }

    private static final Part[] PAGES = {
        Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every month.\n"),
        Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the desk on their first day.\n"),
        Part.file("travel.md", "# Travel\n\nBook flights through the travel portal and keep receipts.\n") };

    @AfterEach
    void healthy() {
        SERVER.behave(FakeEmbeddingServer.Behaviour.NORMAL);
    }

    @Test
    void collectionsTakeTheRemoteModelAndItsDimensionAndSearchFindsByItsVectors() {
        Api.Response created = admin().post("/api/v1/collections", Map.of("name", "remote-docs-" + RUN));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("embedder").asString()).isEqualTo("openai:fake-embed");
        assertThat(created.body().path("dimension").asInt()).isEqualTo(64);
        SERVER.forget();
        assertThat(admin().ingest("remote-docs-" + RUN, PAGES).path("status").asString()).isEqualTo("DONE");

        // three one-chunk documents in batches of two, every passage prefixed
        List<List<String>> sent = SERVER.inputs();
        assertThat(sent).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(2)
                .allSatisfy(text -> assertThat(text).startsWith("passage: ")));
        assertThat(sent.stream().mapToInt(List::size).sum()).isEqualTo(3);

        SERVER.forget();
        JsonNode results = admin().post("/api/v1/search", Map.of("collection", "remote-docs-" + RUN, "query",
                "how do I book flights", "mode", "dense", "topK", 3)).body().path("results");
        assertThat(results.get(0).path("source").asString()).isEqualTo("travel.md");
        assertThat(SERVER.inputs()).containsExactly(List.of("query: how do I book flights"));
    }

    @Test
    void agentsKeepTheirMemoriesAtTheRemoteModelsSize() {
        Api.Response simulation = admin().post("/api/v1/simulations", Map.of("name", "remote-town", "startsAt",
                "2026-02-13T08:00:00"));
        String id = simulation.body().path("id").asString();

        Api.Response agent = admin().post("/api/v1/simulations/" + id + "/agents", Map.of("name", "Ada",
                "memories", List.of("Ada opened the cafe")));

        assertThat(agent.status()).as(agent.raw()).isEqualTo(201);
        String agentId = agent.body().path("id").asString();
        JsonNode view = admin().get("/api/v1/agents/" + agentId).body();
        assertThat(view.path("memories").asLong()).isEqualTo(1);
        assertThat(view.path("embedder").path("name").asString()).isEqualTo("openai:fake-embed");
        assertThat(view.path("embedder").path("dimension").asInt()).isEqualTo(64);
        Api.Response recalled = admin().get("/api/v1/agents/" + agentId + "/memories?query=cafe");
        assertThat(recalled.status()).as(recalled.raw()).isEqualTo(200);
        assertThat(recalled.body().get(0).path("text").asString()).isEqualTo("Ada opened the cafe");
    }

    @Test
    void modelsAndHealthShowTheRemoteEmbedder() {
        // another test may have left a DOWN probe in the cache (lore.models.health-cache-ttl, 5 s)
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() ->
                "UP".equals(embedderOf(admin().get("/api/v1/models").body()).path("health").path("status")
                        .asString()));
        JsonNode embedder = embedderOf(admin().get("/api/v1/models").body());
        assertThat(embedder.path("name").asString()).isEqualTo("openai:fake-embed");
        assertThat(embedder.path("capabilities").path("dimension").asInt()).isEqualTo(64);
        assertThat(embedder.path("capabilities").path("remote").asBoolean()).isTrue();
        assertThat(embedder.path("capabilities").path("matryoshka").asBoolean()).isTrue();
        assertThat(embedder.path("health").path("status").asString()).isEqualTo("UP");

        assertThat(embedder.path("health").path("details").path("baseUrl").asString()).isEqualTo(SERVER.baseUrl());

        SERVER.behave(FakeEmbeddingServer.Behaviour.DOWN);
        // probes are cached for lore.models.health-cache-ttl (5 s): the DOWN shows within that
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(admin().get("/actuator/health").body().path("components").path("models")
                        .path("components").path("embedder").path("status").asString()).isEqualTo("DOWN"));
    }

    @Test
    void onlyTheAdministratorSeesABackendsDetailsAndProbesAreCached() {
        String key = admin().post("/api/v1/keys", Map.of("name", "models-reader-" + RUN, "collections",
                List.of("*"), "permissions", List.of("read"))).body().path("key").asString();
        SERVER.behave(FakeEmbeddingServer.Behaviour.DOWN);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() ->
                "DOWN".equals(embedderOf(admin().get("/api/v1/models").body()).path("health").path("status")
                        .asString()));

        Api.Response asReader = as(key).get("/api/v1/models");
        assertThat(asReader.status()).isEqualTo(200);
        JsonNode embedder = embedderOf(asReader.body());
        assertThat(embedder.path("health").path("status").asString()).isEqualTo("DOWN");
        assertThat(embedder.path("health").has("details")).isFalse();
        assertThat(asReader.raw()).doesNotContain(SERVER.baseUrl()).doesNotContain("127.0.0.1")
                .doesNotContain("Exception").doesNotContain("503");
        assertThat(embedderOf(admin().get("/api/v1/models").body()).path("health").path("details")
                .path("baseUrl").asString()).isEqualTo(SERVER.baseUrl());

        // a burst of calls, with and without a key, probes the backend at most once or twice (an expiry between)
        int before = SERVER.probes();
        for (int i = 0; i < 10; i++) {
            as(key).get("/api/v1/models");
            as(null).get("/actuator/health");
        }
        assertThat(SERVER.probes() - before).isLessThanOrEqualTo(2);
    }

    private static JsonNode embedderOf(JsonNode models) {
        return models.path("models").values().stream().filter(m -> m.path("role").asString().equals("embedder"))
                .findFirst().orElseThrow();
    }

    @Test
    void anEmbedderThatIsDownMakesSearches503WithRetryAfterAndUploadsWaitThenFinish() {
        admin().post("/api/v1/collections", Map.of("name", "remote-outage-" + RUN));
        SERVER.behave(FakeEmbeddingServer.Behaviour.DOWN);

        Api.Response search = admin().post("/api/v1/search", Map.of("collection", "remote-outage-" + RUN, "query",
                "vacation", "mode", "dense"));
        assertThat(search.status()).isEqualTo(503);
        assertThat(search.header("Retry-After")).isNotBlank();
        assertThat(search.problemType()).isEqualTo("model-unavailable");
        // lexical search needs no embedder and goes on working
        assertThat(admin().post("/api/v1/search", Map.of("collection", "remote-outage-" + RUN, "query", "vacation",
                "mode", "lexical")).status()).isEqualTo(200);

        Api.Response upload = admin().upload("/api/v1/collections/remote-outage-" + RUN + "/documents", List.of(PAGES[0]));
        String ingestion = upload.body().path("ingestionId").asString();
        // the document waits in the queue while the embedder is down: never FAILED, never stored half
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> {
            String status = admin().get("/api/v1/ingestions/" + ingestion).body().path("status").asString();
            return status.equals("QUEUED") || status.equals("RUNNING");
        });
        assertThat(admin().get("/api/v1/collections/remote-outage-" + RUN).body().path("chunks").asLong()).isZero();

        SERVER.behave(FakeEmbeddingServer.Behaviour.NORMAL);
        JsonNode done = admin().awaitIngestion(ingestion);
        assertThat(done.path("status").asString()).isEqualTo("DONE");
        assertThat(done.path("errors").size()).isZero();
    }

    @Test
    void vectorsOfTheWrongSizeOrWithNanFailTheirDocumentWithTheReason() {
        admin().post("/api/v1/collections", Map.of("name", "remote-broken-" + RUN));

        SERVER.behave(FakeEmbeddingServer.Behaviour.WRONG_DIMENSION);
        JsonNode wrongSize = admin().ingest("remote-broken-" + RUN, PAGES[0]);
        assertThat(wrongSize.path("status").asString()).isEqualTo("FAILED");
        assertThat(wrongSize.path("errors").toString()).contains("32-dimensional vector where openai:fake-embed makes 64");

        SERVER.behave(FakeEmbeddingServer.Behaviour.NAN);
        JsonNode nan = admin().ingest("remote-broken-" + RUN, PAGES[1]);
        assertThat(nan.path("status").asString()).isEqualTo("FAILED");
        assertThat(nan.path("errors").toString()).contains("NaN");
        assertThat(admin().get("/api/v1/collections/remote-broken-" + RUN).body().path("chunks").asLong()).isZero();
    }

    @Test
    void aMatryoshkaModelSearchesByAPrefixAndItsSettingIsChecked() {
        Api.Response tooLong = admin().post("/api/v1/collections", Map.of("name", "remote-too-long-" + RUN,
                "denseSearch", Map.of("mode", "matryoshka:128")));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.problemType()).isEqualTo("invalid-dense-search");
        assertThat(tooLong.body().path("detail").asString()).contains("matryoshka:128", "64");

        Api.Response created = admin().post("/api/v1/collections", Map.of("name", "remote-prefix-" + RUN,
                "denseSearch", Map.of("mode", "matryoshka:32", "candidates", 50)));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("denseSearch").path("mode").asString()).isEqualTo("matryoshka:32");
        assertThat(admin().ingest("remote-prefix-" + RUN, PAGES).path("status").asString()).isEqualTo("DONE");
        JsonNode answer = admin().post("/api/v1/search", Map.of("collection", "remote-prefix-" + RUN, "query",
                "vacation days and annual leave", "mode", "dense", "topK", 2, "explain", true)).body();
        assertThat(answer.path("results").get(0).path("source").asString()).isEqualTo("leave.md");
        JsonNode trace = answer.path("trace").path("denseSearch");
        assertThat(trace.path("mode").asString()).isEqualTo("matryoshka:32");
        assertThat(trace.path("stages").get(0).path("distance").asString()).contains("first 32 dimensions");
        assertThat(trace.path("stages").get(1).path("stage").asString()).isEqualTo("rescore");
    }
}
