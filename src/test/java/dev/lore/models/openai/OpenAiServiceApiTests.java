package dev.lore.models.openai;

import static dev.lore.models.backend.FakeHttpServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The whole service configured with Spring AI's standard {@code spring.ai.openai.*} keys against a fake
 * OpenAI-compatible server: HyDE asks for n passages in one call, and a failing backend answers 503.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiServiceApiTests extends IntegrationTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final FakeHttpServer SERVER = new FakeHttpServer();
    private static final String COLLECTION = "openai-backed";

    @DynamicPropertySource
    static void openAi(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.models.resilience.initial-backoff", () -> "10ms");
        registry.add("lore.models.resilience.max-backoff", () -> "50ms");
    }

    @BeforeAll
    void ingest() {
        SERVER.on("/v1/models", json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        createLeaveAndLaptops(COLLECTION);
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void hydeAsksTheServerForAllPassagesInOneCall() {
        SERVER.on(CHAT, json(200, """
                {"id":"c","object":"chat.completion","created":1,"model":"gpt-test",
                 "choices":[
                  {"index":0,"message":{"role":"assistant","content":"Staff accrue vacation days monthly."},
                   "logprobs":null,"finish_reason":"stop"},
                  {"index":1,"message":{"role":"assistant","content":"Annual leave is earned each pay period."},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":21,"completion_tokens":17,"total_tokens":38}}"""));
        long before = SERVER.count(CHAT);

        Api.Response response = admin().post("/api/v1/search", Map.of("collection", COLLECTION,
                "query", "how many vacation days?", "mode", "dense", "hyde", Map.of("documents", 2), "explain", true));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode hyde = response.body().path("trace").path("hyde");
        assertThat(hyde.path("documents").get(0).asString()).isEqualTo("Staff accrue vacation days monthly.");
        assertThat(hyde.path("documents").get(1).asString()).isEqualTo("Annual leave is earned each pay period.");
        assertThat(hyde.path("generator").asString()).isEqualTo("openai:gpt-test");
        assertThat(response.body().path("usage").path("hyde").path("promptTokens").asLong()).isEqualTo(21);
        assertThat(SERVER.count(CHAT) - before).isOne();
        String sent = SERVER.received().get(SERVER.received().size() - 1).body();
        assertThat(sent).contains("\"n\":2").contains("\"temperature\":0.7").contains("\"model\":\"gpt-test\"")
                .contains("how many vacation days?");
        assertThat(response.body().path("results").get(0).path("source").asString()).isEqualTo("leave.md");
    }

    @Test
    void aFailingBackendAnswers503WithAProblemNotAHang() {
        SERVER.on(CHAT, json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        Api.Response response = admin().post("/api/v1/search", Map.of("collection", COLLECTION,
                "query", "laptops for new staff", "hyde", true));
        assertThat(response.status()).as(response.raw()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).isIn("model-unavailable", "model-busy");
        assertThat(Integer.parseInt(response.header("Retry-After"))).isPositive();
        assertThat(response.body().path("detail").asString()).contains("'openai'").contains("HTTP 503: overloaded");
    }

    @Test
    void modelsReportsTheBackendWithItsCapabilitiesAndHealth() {
        Map<String, JsonNode> byRole = new HashMap<>();
        admin().get("/api/v1/models").body().path("models")
                .forEach(model -> byRole.put(model.path("role").asString(), model));
        assertThat(byRole.get("generator").path("name").asString()).isEqualTo("openai:gpt-test");
        assertThat(byRole.get("generator").path("capabilities").path("logprobs").asBoolean()).isTrue();
        assertThat(byRole.get("generator").path("capabilities").path("n").asBoolean()).isTrue();
        assertThat(byRole.get("generator").path("health").path("status").asString()).isEqualTo("UP");
        assertThat(List.copyOf(byRole.keySet())).contains("generator", "scorer", "embedder");
    }
}
