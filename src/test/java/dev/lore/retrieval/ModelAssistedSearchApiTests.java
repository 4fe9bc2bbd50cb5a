package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import com.pgvector.PGvector;

import dev.lore.models.Embedder;
import dev.lore.models.onnx.TinyCrossEncoder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.FakeGeneratorBackend;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * HyDE, the LLM and cross-encoder rerankers, {@code /api/v1/rerank} and {@code /api/v1/models} over HTTP, with a
 * fake generator and a tiny ONNX cross-encoder written by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(FakeGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=fake")
class ModelAssistedSearchApiTests extends IntegrationTest {

    private static final String COLLECTION = "model-assisted";

    @Autowired
    JdbcClient jdbc;

    @org.springframework.test.context.DynamicPropertySource
    static void crossEncoder(org.springframework.test.context.DynamicPropertyRegistry registry) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lore-cross-encoder");
        TinyCrossEncoder.write(dir, TinyCrossEncoder.Kind.OVERLAP_ONE_LOGIT);
        registry.add("lore.rerank.cross-encoder.model-dir", dir::toString);
    }

    @Autowired
    Embedder embedder;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every pay period.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"),
                Part.file("travel.md", "# Travel\n\nBook train tickets through the travel portal a week ahead.\n"),
                Part.file("security.md", "# Security\n\nReport phishing emails to the security team at once.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void hydeSearchesWithTheMeanOfThePassageAndQueryEmbeddings() {
        String query = "how many vacation days do employees earn";
        JsonNode response = search(Map.of("query", query, "mode", "dense", "topK", 4, "explain", true,
                "hyde", Map.of("documents", 2)));

        JsonNode hyde = response.path("trace").path("hyde");
        assertThat(hyde.path("generator").asString()).isEqualTo("fake:test");
        assertThat(hyde.path("prompt").asString()).isEqualTo("hyde");
        assertThat(hyde.path("includeQuery").asBoolean()).isTrue();
        List<String> passages = new ArrayList<>();
        hyde.path("documents").forEach(passage -> passages.add(passage.asString()));
        assertThat(passages).hasSize(2).allSatisfy(passage -> assertThat(passage).contains(query));
        assertThat(response.path("usage").path("hyde").path("generator").asString()).isEqualTo("fake:test");
        assertThat(response.path("usage").path("hyde").path("completionTokens").asLong()).isPositive();
        assertThat(response.path("timingsMs").has("hyde")).isTrue();

        float[] expected = new float[embedder.dimension()];
        List<float[]> parts = new ArrayList<>(embedder.embedDocuments(passages));
        parts.add(embedder.embedQuery(query));
        for (float[] part : parts) {
            for (int i = 0; i < expected.length; i++) {
                expected[i] += part[i] / parts.size();
            }
        }
        for (JsonNode result : response.path("results")) {
            double cosine = jdbc.sql("select 1 - (embedding <=> ?) from chunks where id = ?")
                    .params(new PGvector(expected), UUID.fromString(result.path("chunkId").asString()))
                    .query(Double.class).single();
            assertThat(result.path("scores").path("dense").asDouble()).isCloseTo(cosine, offset(1e-4));
        }
        assertThat(response.path("results").get(0).path("source").asString()).isEqualTo("leave.md");
    }

    @Test
    void theLlmRerankerReordersTheCandidatesByItsJudgement() {
        JsonNode response = search(Map.of("query", "report phishing emails security team", "rerank", "llm",
                "topK", 3, "explain", true));
        JsonNode results = response.path("results");
        assertThat(results).hasSize(3);
        assertThat(results.get(0).path("source").asString()).isEqualTo("security.md");
        double previous = Double.MAX_VALUE;
        for (JsonNode result : results) {
            double rerank = result.path("scores").path("rerank").asDouble();
            assertThat(result.path("score").asDouble()).isEqualTo(rerank);
            assertThat(rerank).isBetween(0.0, previous);
            previous = rerank;
        }
        assertThat(response.path("timingsMs").has("rerank")).isTrue();
        assertThat(response.path("trace").path("rerank").path("reranker").asString()).startsWith("llm-pointwise:");
        assertThat(response.path("trace").path("rerank").path("candidates")).hasSize(4);
    }

    @Test
    void theCrossEncoderRerankerRunsOnnxRuntimeOverTheCandidates() {
        String query = "how many vacation days do employees earn";
        JsonNode response = search(Map.of("query", query, "rerank", "cross-encoder", "topK", 2, "explain", true));
        JsonNode results = response.path("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).path("source").asString()).isEqualTo("leave.md");
        for (JsonNode result : results) {
            double expected = 1 / (1 + Math.exp(-TinyCrossEncoder.overlap(query, result.path("text").asString())));
            assertThat(result.path("scores").path("rerank").asDouble()).isCloseTo(expected, offset(1e-5));
        }
        assertThat(response.path("trace").path("rerank").path("candidates")).hasSize(4);

        Api.Response cohere = admin().post("/api/v1/rerank", Map.of("query", "laptop battery",
                "documents", List.of("the office is closed on holidays", "replace the laptop battery")));
        assertThat(cohere.body().path("meta").path("model").path("kind").asString()).isEqualTo("cross-encoder");
        assertThat(cohere.body().path("results").get(0).path("index").asInt()).isEqualTo(1);
    }

    @Test
    void rerankEndpointSpeaksCoheresShape() {
        Api.Response response = admin().post("/api/v1/rerank", Map.of("query", "book train tickets",
                "documents", List.of("Laptops come from IT.", Map.of("text", "Book train tickets on the portal."),
                        "Trains and tickets."),
                "top_n", 2, "return_documents", true, "model", "llm"));
        assertThat(response.status()).isEqualTo(200);
        JsonNode results = response.body().path("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).path("index").asInt()).isEqualTo(1);
        assertThat(results.get(0).path("document").path("text").asString()).isEqualTo("Book train tickets on the portal.");
        assertThat(results.get(0).path("relevance_score").asDouble())
                .isGreaterThan(results.get(1).path("relevance_score").asDouble());
        assertThat(response.body().path("id").asString()).isNotBlank();

        Api.Response withoutDocuments = admin().post("/api/v1/rerank",
                Map.of("query", "laptop", "documents", List.of("a laptop", "a train"), "model", "llm"));
        assertThat(withoutDocuments.body().path("results")).hasSize(2);
        assertThat(withoutDocuments.body().path("results").get(0).has("document")).isFalse();
        assertThat(withoutDocuments.body().path("meta").path("model").path("kind").asString()).isEqualTo("llm");
    }

    @Test
    void coheresV2ClientRequestIsAnsweredWithTheConfiguredReranker() {
        // the body Cohere's v2 SDK sends for co.rerank(model="rerank-v3.5", query=..., documents=[...], top_n=2)
        String body = """
                {"model":"rerank-v3.5","query":"laptop battery","documents":["the office is closed on holidays",\
                "replace the laptop battery","trains leave hourly"],"top_n":2,"max_tokens_per_doc":4096}""";
        Api.Response response = admin().postRaw("/api/v2/rerank", "application/json",
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode results = response.body().path("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).path("index").asInt()).isEqualTo(1);
        assertThat(results.get(0).path("relevance_score").asDouble())
                .isGreaterThanOrEqualTo(results.get(1).path("relevance_score").asDouble());
        assertThat(response.body().path("meta").path("api_version").path("version").asString()).isEqualTo("2");
        assertThat(response.body().path("meta").path("model").path("kind").asString()).isEqualTo("cross-encoder");
        assertThat(admin().post("/api/v2/rerank", Map.of("model", "llm", "query", "laptop", "documents",
                List.of("a laptop", "a train"))).body().path("meta").path("model").path("kind").asString())
                .as("Lore's own names still choose").isEqualTo("llm");
    }

    @Test
    void rerankEndpointRefusesBadInput() {
        assertProblem(Map.of("query", "x", "documents", List.of()), 400, "invalid-request");
        assertProblem(Map.of("query", " ", "documents", List.of("a")), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "documents", List.of(42)), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "documents", List.of("a"), "top_n", 0), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "documents", List.of("a"), "model", "magic"), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "documents", List.of("a"), "model", "api"), 400,
                "reranker-unavailable");
        assertThat(as("no-such-key").post("/api/v1/rerank", Map.of("query", "x", "documents", List.of("a"))).status())
                .isEqualTo(401);
    }

    @Test
    void modelsListsEachRoleWithCapabilitiesAndHealth() {
        Api.Response response = admin().get("/api/v1/models");
        assertThat(response.status()).isEqualTo(200);
        Map<String, JsonNode> byRole = new java.util.HashMap<>();
        response.body().path("models").forEach(model -> byRole.put(model.path("role").asString(), model));
        assertThat(byRole.get("generator").path("name").asString()).isEqualTo("fake:test");
        assertThat(byRole.get("generator").path("capabilities").path("logprobs").asBoolean()).isTrue();
        assertThat(byRole.get("generator").path("capabilities").path("n").asBoolean()).isFalse();
        assertThat(byRole.get("scorer").path("name").asString()).isEqualTo("fake:test");
        assertThat(byRole.get("embedder").path("name").asString()).isEqualTo(embedder.name());
        assertThat(byRole.get("embedder").path("capabilities").path("dimension").asInt()).isEqualTo(384);
        assertThat(byRole.get("generator").path("health").path("status").asString()).isEqualTo("UP");
        assertThat(byRole.get("reranker").path("capabilities").path("kind").asString()).isEqualTo("cross-encoder");
        assertThat(as("no-such-key").get("/api/v1/models").status()).isEqualTo(401);
    }

    private JsonNode search(Map<String, Object> body) {
        Map<String, Object> request = new java.util.HashMap<>(body);
        request.put("collection", COLLECTION);
        Api.Response response = admin().post("/api/v1/search", request);
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }

    private void assertProblem(Map<String, Object> body, int status, String type) {
        Api.Response response = admin().post("/api/v1/rerank", body);
        assertThat(response.status()).as(response.raw()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).isEqualTo(type);
    }
}
