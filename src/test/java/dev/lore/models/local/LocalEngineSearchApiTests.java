package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The whole service with {@code lore.generator=local} on the tiny GGUF model: the engine is opened by the registry,
 * reported by {@code /api/v1/models}, and serves HyDE, the LLM reranker and FLARE answers through JNI, with usage
 * metered. The context is larger than the model's training length (llama.cpp allows it): an answer's prompt needs
 * room for its sources.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalEngineSearchApiTests extends IntegrationTest {

    private static final String COLLECTION = "local-engine";

    @DynamicPropertySource
    static void localEngine(DynamicPropertyRegistry registry) throws Exception {
        Path model = TinyGguf.write(Files.createTempDirectory("lore-gguf").resolve("tiny.gguf"), 5, null);
        registry.add("lore.generator", () -> "local");
        registry.add("lore.local.model-path", model::toString);
        registry.add("lore.local.context-size", () -> "1024");
        registry.add("lore.answers.context-tokens", () -> "1024");
        registry.add("lore.answers.max-answer-tokens", () -> "48");
        registry.add("lore.answers.min-support", () -> "0");
        registry.add("lore.answers.min-support-generated", () -> "0");
        // the engine's decoded-token count is read from its health details, which are otherwise reused for 5 s
        registry.add("lore.models.health-cache-ttl", () -> "0s");
        registry.add("lore.local.contexts", () -> "1");
        registry.add("lore.retrieval.hyde.max-tokens", () -> "16");
        registry.add("lore.retrieval.rerank.max-passage-chars", () -> "100");
    }

    @BeforeAll
    void ingest() {
        createLeaveAndLaptops(COLLECTION);
    }

    @Test
    void theRegistryOpensTheEngineAndReportsItsCapabilities() {
        Map<String, JsonNode> byRole = new HashMap<>();
        admin().get("/api/v1/models").body().path("models")
                .forEach(model -> byRole.put(model.path("role").asString(), model));
        JsonNode generator = byRole.get("generator");
        assertThat(generator.path("name").asString()).isEqualTo("local:tiny.gguf");
        assertThat(generator.path("capabilities").path("logprobs").asBoolean()).isTrue();
        assertThat(generator.path("capabilities").path("scoring").asBoolean()).isTrue();
        assertThat(generator.path("capabilities").path("gpu").asBoolean()).isFalse();
        // schemas are enforced by a grammar sampler (GrammarConstrainedGenerationTests)
        assertThat(generator.path("capabilities").path("structuredOutput").asBoolean()).isTrue();
        assertThat(generator.path("health").path("status").asString()).isEqualTo("UP");
        JsonNode details = generator.path("health").path("details");
        assertThat(details.path("library").asString()).startsWith("llama.cpp 0.5.0");
        assertThat(details.path("offloadedLayers").asInt()).isZero();
        assertThat(details.path("layers").asInt()).isEqualTo(TinyGguf.LAYERS + 1);
        assertThat(details.path("device").asString()).isEqualTo("CPU");
        assertThat(byRole.get("scorer").path("name").asString()).isEqualTo("local:tiny.gguf");
    }

    @Test
    void hydeAndTheLlmRerankerRunThroughJni() {
        Api.Response hyde = admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", "vacation days",
                "mode", "dense", "hyde", Map.of("documents", 2), "explain", true));
        assertThat(hyde.status()).as(hyde.raw()).isEqualTo(200);
        assertThat(hyde.body().path("trace").path("hyde").path("documents")).hasSize(2);
        assertThat(hyde.body().path("usage").path("hyde").path("completionTokens").asLong()).isBetween(1L, 32L);
        assertThat(hyde.body().path("usage").path("hyde").path("promptTokens").asLong()).isPositive();

        Api.Response reranked = admin().post("/api/v1/search", Map.of("collection", COLLECTION,
                "query", "vacation days", "rerank", "llm", "explain", true));
        assertThat(reranked.status()).as(reranked.raw()).isEqualTo(200);
        assertThat(reranked.body().path("trace").path("rerank").path("reranker").asString())
                .isEqualTo("llm-pointwise:local:tiny.gguf");
        for (JsonNode result : reranked.body().path("results")) {
            assertThat(result.path("scores").path("rerank").asDouble()).isBetween(0.0, 1.0);
        }

        String metrics = admin().get("/actuator/prometheus").raw();
        assertThat(metrics).containsPattern("lore_model_calls_total\\{[^}]*backend=\"local:tiny.gguf\","
                + "outcome=\"success\",role=\"generator\"[^}]*} [1-9]");
        assertThat(metrics).as("the reranker judges with the scorer role").containsPattern(
                "lore_model_calls_total\\{[^}]*backend=\"local:tiny.gguf\",outcome=\"success\",role=\"scorer\"[^}]*} 2");
        assertThat(metrics).containsPattern("lore_model_tokens_total\\{[^}]*backend=\"local:tiny.gguf\","
                + "kind=\"completion\",role=\"generator\"[^}]*} [1-9]");
    }

    @Test
    void flareDirectRunsOnTheEnginesLogprobsAndRetrievesOnLowConfidenceTokens() {
        // a random-weight model is unsure of nearly every token: with θ near 1 each look-ahead triggers a retrieval
        Api.Response response = admin().post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", "How many vacation days do staff earn?", "strategy", "flare",
                "flare", Map.of("threshold", 0.99, "maskBelow", 0.5, "lookaheadTokens", 8, "maxRetrievals", 2,
                        "documents", 1)));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode answer = response.body();
        assertThat(answer.path("flare").asString()).isEqualTo("direct");
        assertThat(answer.path("generator").asString()).isEqualTo("local:tiny.gguf");
        JsonNode retrievals = answer.path("retrievals");
        assertThat(retrievals.get(0).path("reason").asString()).isEqualTo("initial");
        assertThat(retrievals.size()).as(answer.toString()).isBetween(2, 3);
        for (int i = 1; i < retrievals.size(); i++) {
            JsonNode retrieval = retrievals.get(i);
            assertThat(retrieval.path("reason").asString()).isEqualTo("low-confidence");
            assertThat(retrieval.path("trigger")).isNotEmpty();
            retrieval.path("trigger").forEach(token -> assertThat(token.path("p").asDouble()).isLessThan(0.99));
        }
        // each retrieval regenerates its sentence: at least one call per look-ahead and one per retrieval
        assertThat(answer.path("usage").path("llmCalls").asInt()).isGreaterThanOrEqualTo(2 * (retrievals.size() - 1));
        assertThat(answer.path("usage").path("completionTokens").asLong()).isPositive();
    }

    @Test
    void flaresCallsShareThePromptsKvCacheInsteadOfDecodingEachPromptAgain() {
        long before = decodedTokens();
        Api.Response response = admin().post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", "How many vacation days do staff earn?", "strategy", "flare",
                "flare", Map.of("threshold", 0.99, "maskBelow", 0.5, "lookaheadTokens", 8, "maxRetrievals", 2,
                        "documents", 1)));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        long decoded = decodedTokens() - before;
        JsonNode usage = response.body().path("usage");
        long fromScratch = usage.path("promptTokens").asLong() + usage.path("completionTokens").asLong();
        System.out.printf("FLARE answer: %d LLM calls, %d prompt + %d completion tokens; decoded with prefix reuse: "
                + "%d, from scratch: %d%n", usage.path("llmCalls").asInt(), usage.path("promptTokens").asLong(),
                usage.path("completionTokens").asLong(), decoded, fromScratch);
        assertThat(decoded).isPositive().isLessThan(fromScratch);
    }

    private long decodedTokens() {
        for (JsonNode model : admin().get("/api/v1/models").body().path("models")) {
            if (model.path("role").asString().equals("generator")) {
                return model.path("health").path("details").path("decodedTokens").asLong();
            }
        }
        throw new AssertionError("no generator in /api/v1/models");
    }
}
