package dev.lore.models.anthropic;

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

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelFailure;
import dev.lore.models.Usage;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.JsonNode;
import dev.lore.models.ResponseSchema;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.backend.RemoteGeneratorChecks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AnthropicGeneratorTests {

    private static final String MESSAGES = "/v1/messages";

    private static final String ANSWER = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-test-20250101",
             "content":[{"type":"text","text":"Paris."}],
             "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":3}}
            """;

    private static final ResponseSchema SCHEMA = new ResponseSchema("day_plan", """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"string"}}},
             "required":["items"],"additionalProperties":false}""");

    private final FakeHttpServer server = new FakeHttpServer();

    private final AnthropicGenerator generator = AnthropicGenerator.create(new AnthropicProperties(server.baseUrl(),
            "sk-ant-test", new AnthropicProperties.Chat(new AnthropicProperties.Options("claude-test", 256))),
            fastSettings(), new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void answersWithTextUsageAndFinishReasonAndNoLogprobs() {
        server.on(MESSAGES, json(200, ANSWER));

        Generation generation = generator.generate(new GenerationRequest(List.of(ChatMessage.system("Be brief."),
                ChatMessage.user("Capital of France?")), GenerationOptions.DEFAULTS.withStop(List.of("\n\n"))
                        .withTemperature(0.2)));

        assertThat(generation.text()).isEqualTo("Paris.");
        assertThat(generation.model()).isEqualTo("claude-test-20250101");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(generation.first().hasLogprobs()).isFalse();
        assertThat(generation.usage()).isEqualTo(new Usage(10, 3));
        assertThat(generator.capabilities().logprobs()).isFalse();
        FakeHttpServer.Received request = server.received().get(0);
        assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test");
        assertThat(request.body()).contains("\"model\":\"claude-test\"", "\"max_tokens\":256", "Be brief.",
                "Capital of France?", "\"stop_sequences\":[\"\\n\\n\"]", "\"temperature\":0.2");
    }

    @Test
    void nIsConcurrentCalls() {
        server.on(MESSAGES, json(200, ANSWER));

        Generation generation = generator.generate(GenerationRequest.of("Capital?", GenerationOptions.DEFAULTS
                .withN(2)));

        assertThat(generation.completions()).hasSize(2);
        assertThat(generation.usage()).isEqualTo(new Usage(20, 6));
        assertThat(server.count(MESSAGES)).isEqualTo(2);
    }

    @Test
    void streamsTextDeltasInOrder() {
        server.on(MESSAGES, streamed("text/event-stream", events(List.of("Hel", "lo", " world"), true),
                Duration.ZERO, new AtomicBoolean()));
        List<String> pieces = new ArrayList<>();

        Generation generation = generator.stream(GenerationRequest.of("Hi", null), pieces::add,
                Cancellation.none());

        assertThat(pieces).containsExactly("Hel", "lo", " world");
        assertThat(generation.text()).isEqualTo("Hello world");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(server.received().get(0).body()).contains("\"stream\":true");
    }

    @Test
    void cancellationStopsTheStreamEarly() {
        RemoteGeneratorChecks.cancellationStopsTheStreamEarly(server, MESSAGES, generator,
                words -> events(words, false), "text/event-stream");
    }

    @Test
    void aSilentServerTimesOutQuicklyAsUnavailable() {
        RemoteGeneratorChecks.aSilentServerTimesOutQuickly(server, MESSAGES, generator,
                json(200, ANSWER), "anthropic");
    }

    @Test
    void retriesRateLimitsAndOverloadThenSucceeds() {
        server.on(MESSAGES, json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                + "\"message\":\"slow down\"}}", Map.of("Retry-After", "0")),
                json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}"),
                json(200, ANSWER));

        assertThat(generator.generate(GenerationRequest.of("Capital?", null)).text()).isEqualTo("Paris.");
        assertThat(server.count(MESSAGES)).isEqualTo(3);
    }

    @Test
    void persistentServerErrorsOpenTheCircuit() {
        RemoteGeneratorChecks.persistentServerErrorsOpenTheCircuit(server, MESSAGES, generator,
                json(500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}"));
    }

    @Test
    void malformedJsonIsAModelFailure() {
        server.on(MESSAGES, json(200, "{\"id\":\"msg_1\",\"content\":[{\"type\":"));

        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("'anthropic' failed");
        assertThat(server.count(MESSAGES)).isEqualTo(1);
    }

    private static List<String> events(List<String> pieces, boolean end) {
        List<String> events = new ArrayList<>();
        events.add(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
                + "\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}"));
        events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        events.add(event("ping", "{\"type\":\"ping\"}"));
        for (String piece : pieces) {
            events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}}"));
        }
        if (end) {
            events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
            events.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                    + "\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}"));
            events.add(event("message_stop", "{\"type\":\"message_stop\"}"));
        }
        return events;
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    @Test
    void aSchemaTravelsAsNativeStructuredOutput() {
        server.on(MESSAGES, json(200, ANSWER));

        generator.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS).withSchema(SCHEMA));

        JsonNode sent = JsonMapper.builder().build().readTree(server.received().get(0).body());
        JsonNode format = sent.path("output_config").path("format");
        assertThat(format.path("type").asString()).as(sent.toString()).isEqualTo("json_schema");
        assertThat(format.path("schema").path("required").get(0).asString()).isEqualTo("items");
        assertThat(format.path("schema").path("properties").path("items").path("type").asString())
                .isEqualTo("array");
        assertThat(generator.capabilities().structuredOutput()).isTrue();
    }
}
