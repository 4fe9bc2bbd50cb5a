package dev.lore.models.openai;

import static dev.lore.models.backend.FakeHttpServer.fastSettings;
import static dev.lore.models.backend.FakeHttpServer.json;
import static dev.lore.models.backend.FakeHttpServer.slow;
import static dev.lore.models.backend.FakeHttpServer.streamed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

import dev.lore.models.Cancellation;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelFailure;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.JsonNode;
import dev.lore.models.ResponseSchema;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.backend.RemoteGeneratorChecks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class OpenAiGeneratorTests {

    private static final String CHAT = "/v1/chat/completions";

    private static final String ANSWER = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-test-2024",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Yes sir","refusal":null},
               "logprobs":{"content":[
                 {"token":"Yes","logprob":-0.125,"bytes":[89,101,115],"top_logprobs":[
                   {"token":"Yes","logprob":-0.125,"bytes":[89,101,115]},{"token":"No","logprob":-2.5,"bytes":[78,111]}]},
                 {"token":" sir","logprob":-0.75,"bytes":null,"top_logprobs":[
                   {"token":" sir","logprob":-0.75,"bytes":null}]}],"refusal":null},
               "finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}
            """;

    private static final ResponseSchema SCHEMA = new ResponseSchema("day_plan", """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"string"}}},
             "required":["items"],"additionalProperties":false}""");

    private final FakeHttpServer server = new FakeHttpServer();

    private OpenAiGenerator generator = generator(fastSettings());

    @AfterEach
    void stop() {
        generator.close();
        server.close();
    }

    private OpenAiGenerator generator(dev.lore.models.backend.ResilienceProperties settings) {
        var properties = new OpenAiProperties(server.baseUrl(), "sk-test",
                new OpenAiProperties.Chat(new OpenAiProperties.Options("gpt-test")));
        return OpenAiGenerator.create(properties, settings, new SimpleMeterRegistry());
    }

    @Test
    void mapsTextLogprobsAlternativesUsageAndFinishReason() {
        server.on(CHAT, json(200, ANSWER));

        Generation generation = generator.generate(GenerationRequest.of("Is it?",
                GenerationOptions.DEFAULTS.withLogprobs(2).withSeed(7L).withStop(List.of("\n")).withMaxTokens(5)
                        .withTemperature(0.0)));

        assertThat(generation.model()).isEqualTo("gpt-test-2024");
        assertThat(generation.text()).isEqualTo("Yes sir");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(generation.first().tokens()).containsExactly(
                new TokenLogprob("Yes", -0.125, List.of(new TokenLogprob.Alternative("Yes", -0.125),
                        new TokenLogprob.Alternative("No", -2.5))),
                new TokenLogprob(" sir", -0.75, List.of(new TokenLogprob.Alternative(" sir", -0.75))));
        assertThat(generation.usage()).isEqualTo(new Usage(12, 2));
        FakeHttpServer.Received request = server.received().get(0);
        assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test");
        assertThat(request.body()).contains("\"model\":\"gpt-test\"", "\"logprobs\":true", "\"top_logprobs\":2",
                "\"seed\":7", "\"stop\":[\"\\n\"]", "\"max_tokens\":5", "\"temperature\":0.0",
                "\"content\":\"Is it?\"");
    }

    @Test
    void aBaseUrlWithOrWithoutV1ReachesTheSameEndpoint() {
        // servers document their base URL both ways (llama.cpp's llama-server and vLLM with /v1, OpenAI without)
        for (String baseUrl : List.of(server.baseUrl(), server.baseUrl() + "/", server.baseUrl() + "/v1",
                server.baseUrl() + "/v1/")) {
            server.on(CHAT, json(200, ANSWER));
            var properties = new OpenAiProperties(baseUrl, "sk-test",
                    new OpenAiProperties.Chat(new OpenAiProperties.Options("gpt-test")));
            try (OpenAiGenerator other = OpenAiGenerator.create(properties, fastSettings(), new SimpleMeterRegistry())) {
                assertThat(other.generate(GenerationRequest.of("Is it?", GenerationOptions.DEFAULTS)).text())
                        .as(baseUrl).isEqualTo("Yes sir");
            }
        }
        assertThat(server.received()).extracting(FakeHttpServer.Received::path).containsOnly(CHAT).hasSize(4);
    }

    @Test
    void returnsNCompletionsInChoiceOrder() {
        server.on(CHAT, json(200, """
                {"id":"c","object":"chat.completion","created":1,"model":"gpt-test",
                 "choices":[
                  {"index":1,"message":{"role":"assistant","content":"second"},"logprobs":null,"finish_reason":"length"},
                  {"index":0,"message":{"role":"assistant","content":"first"},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}
                """));

        Generation generation = generator.generate(GenerationRequest.of("Two please", GenerationOptions.DEFAULTS
                .withN(2)));

        assertThat(generation.completions()).extracting(c -> c.text()).containsExactly("first", "second");
        assertThat(generation.completions()).extracting(c -> c.finishReason())
                .containsExactly(FinishReason.STOP, FinishReason.LENGTH);
        assertThat(generation.first().hasLogprobs()).isFalse();
        assertThat(server.received().get(0).body()).contains("\"n\":2");
    }

    @Test
    void streamsPiecesInOrderWithLogprobsAndUsage() {
        AtomicBoolean finished = new AtomicBoolean();
        server.on(CHAT, streamed("text/event-stream", sse(List.of("Hel", "lo", " world"), true), Duration.ZERO,
                finished));
        List<String> pieces = new ArrayList<>();

        Generation generation = generator.stream(GenerationRequest.of("Hi", GenerationOptions.DEFAULTS
                .withLogprobs(0)), pieces::add, Cancellation.none());

        assertThat(pieces).containsExactly("Hel", "lo", " world");
        assertThat(generation.text()).isEqualTo("Hello world");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(generation.first().tokens()).extracting(TokenLogprob::token).containsExactly("Hel", "lo",
                " world");
        assertThat(generation.first().tokens().get(1).logprob()).isEqualTo(-0.5);
        assertThat(generation.usage()).isEqualTo(new Usage(5, 3));
        assertThat(server.received().get(0).body()).contains("\"stream\":true", "\"include_usage\":true");
    }

    @Test
    void cancellationStopsTheStreamEarly() {
        RemoteGeneratorChecks.cancellationStopsTheStreamEarly(server, CHAT, generator,
                words -> sse(words, false), "text/event-stream");
    }

    @Test
    void aSilentServerTimesOutQuicklyAsUnavailable() {
        RemoteGeneratorChecks.aSilentServerTimesOutQuickly(server, CHAT, generator,
                json(200, ANSWER), "openai");
    }

    @Test
    void retriesRateLimitsAndServerErrorsHonouringACappedRetryAfter() {
        server.on(CHAT, json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}",
                Map.of("Retry-After", "30")), json(503, "{\"error\":{\"message\":\"overloaded\"}}"),
                json(200, ANSWER));
        long start = System.nanoTime();

        Generation generation = generator.generate(GenerationRequest.of("Is it?", null));

        assertThat(generation.text()).isEqualTo("Yes sir");
        assertThat(server.count(CHAT)).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("Retry-After 30 s capped at max-backoff")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void persistentRateLimitingIsReportedAsBusy() {
        server.on(CHAT, json(429, "{\"error\":{\"message\":\"slow down\"}}", Map.of("Retry-After", "0")));

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOfSatisfying(ModelUnavailable.class, busy -> assertThat(busy.type())
                        .isEqualTo("model-busy"));
        assertThat(server.count(CHAT)).isEqualTo(3);
    }

    @Test
    void persistentServerErrorsOpenTheCircuitThenCallsFailFast() {
        RemoteGeneratorChecks.persistentServerErrorsOpenTheCircuit(server, CHAT, generator,
                json(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertThat(generator.health().getDetails()).containsEntry("circuit", "OPEN");
    }

    @Test
    void malformedJsonIsAModelFailureWithAClearMessage() {
        server.on(CHAT, json(200, "{\"id\": \"c\", \"choices\": [ {oops"));

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("'openai' failed: unreadable answer");
        assertThat(server.count(CHAT)).isEqualTo(1);
    }

    @Test
    void aRefusedRequestIsAModelFailureAndNotRetried() {
        server.on(CHAT, json(400, "{\"error\":{\"message\":\"model not found\"}}"));

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("HTTP 400");
        assertThat(server.count(CHAT)).isEqualTo(1);
    }

    @Test
    void healthProbesTheModelList() {
        server.on("/v1/models", json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-test\",\"object\":\"model\","
                + "\"created\":1,\"owned_by\":\"me\"}]}"));

        assertThat(generator.health().getStatus()).isEqualTo(Status.UP);
        assertThat(generator.health().getDetails()).containsEntry("circuit", "CLOSED")
                .containsEntry("model", "gpt-test");
        server.on("/v1/models", json(500, "{}"));
        assertThat(generator.health().getStatus()).isEqualTo(Status.DOWN);
    }

    private static List<String> sse(List<String> pieces, boolean end) {
        List<String> events = new ArrayList<>();
        events.add(event("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                + "\"finish_reason\":null}"));
        for (String piece : pieces) {
            events.add(event("{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},\"logprobs\":{\"content\":["
                    + "{\"token\":\"" + piece + "\",\"logprob\":-0.5,\"bytes\":null,\"top_logprobs\":[]}],"
                    + "\"refusal\":null},\"finish_reason\":null}"));
        }
        if (end) {
            events.add(event("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}"));
            events.add("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n");
            events.add("data: [DONE]\n\n");
        }
        return events;
    }

    private static String event(String choice) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                + "\"choices\":[" + choice + "]}\n\n";
    }

    @Test
    void aSchemaTravelsAsStrictJsonSchemaResponseFormatBesideLogprobs() {
        server.on(CHAT, json(200, ANSWER));

        generator.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS.withLogprobs(5))
                .withSchema(SCHEMA));

        JsonNode sent = JsonMapper.builder().build().readTree(server.received().get(0).body());
        JsonNode format = sent.path("response_format");
        assertThat(format.path("type").asString()).isEqualTo("json_schema");
        assertThat(format.path("json_schema").path("name").asString()).isEqualTo("day_plan");
        assertThat(format.path("json_schema").path("strict").asBoolean()).isTrue();
        assertThat(format.path("json_schema").path("schema")).isEqualTo(JsonMapper.builder().build()
                .readTree(SCHEMA.json()));
        assertThat(sent.path("logprobs").asBoolean()).isTrue();
        assertThat(generator.capabilities().structuredOutput()).isTrue();
    }

    @Test
    void aServerThatRefusesResponseFormatIsSentNoSchemaWhenTurnedOff() {
        server.on(CHAT, json(200, ANSWER));
        var properties = new OpenAiProperties(server.baseUrl(), "sk-test",
                new OpenAiProperties.Chat(new OpenAiProperties.Options("gpt-test")));
        try (OpenAiGenerator plain = OpenAiGenerator.create(properties, fastSettings(), new SimpleMeterRegistry(),
                false)) {
            plain.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS).withSchema(SCHEMA));

            assertThat(server.received().get(0).body()).doesNotContain("response_format");
            assertThat(plain.capabilities().structuredOutput()).isFalse();
        }
    }

    @Test
    void withoutASchemaNoResponseFormatIsSent() {
        server.on(CHAT, json(200, ANSWER));

        generator.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS));

        assertThat(server.received().get(0).body()).doesNotContain("response_format");
    }
}
