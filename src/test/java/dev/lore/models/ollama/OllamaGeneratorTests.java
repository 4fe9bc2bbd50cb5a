package dev.lore.models.ollama;

import static dev.lore.models.backend.FakeHttpServer.fastSettings;
import static dev.lore.models.backend.FakeHttpServer.json;
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
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.JsonNode;
import dev.lore.models.ResponseSchema;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.backend.RemoteGeneratorChecks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class OllamaGeneratorTests {

    private static final String CHAT = "/api/chat";

    private static final String ANSWER = """
            {"model":"llama3.2","created_at":"2025-11-20T10:00:00Z",
             "message":{"role":"assistant","content":"Yes sir"},
             "done":true,"done_reason":"stop","total_duration":1000,"prompt_eval_count":26,"eval_count":2,
             "logprobs":[
               {"token":"Yes","logprob":-0.125,"bytes":[89,101,115],"top_logprobs":[
                 {"token":"Yes","logprob":-0.125,"bytes":[89,101,115]},{"token":"No","logprob":-2.5,"bytes":[78,111]}]},
               {"token":" sir","logprob":-0.75,"top_logprobs":[{"token":" sir","logprob":-0.75}]}]}
            """;

    private static final ResponseSchema SCHEMA = new ResponseSchema("day_plan", """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"string"}}},
             "required":["items"],"additionalProperties":false}""");

    private final FakeHttpServer server = new FakeHttpServer();

    private final OllamaGenerator generator = OllamaGenerator.create(new OllamaProperties(server.baseUrl(),
            new OllamaProperties.Chat(new OllamaProperties.Options("llama3.2"))), fastSettings(),
            new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void mapsTextLogprobsUsageAndSendsOptionsNatively() {
        server.on(CHAT, json(200, ANSWER));

        Generation generation = generator.generate(GenerationRequest.of("Is it?", GenerationOptions.DEFAULTS
                .withLogprobs(2).withSeed(7L).withStop(List.of("\n")).withMaxTokens(5).withTemperature(0.5)));

        assertThat(generation.model()).isEqualTo("llama3.2");
        assertThat(generation.text()).isEqualTo("Yes sir");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(generation.first().tokens()).containsExactly(
                new TokenLogprob("Yes", -0.125, List.of(new TokenLogprob.Alternative("Yes", -0.125),
                        new TokenLogprob.Alternative("No", -2.5))),
                new TokenLogprob(" sir", -0.75, List.of(new TokenLogprob.Alternative(" sir", -0.75))));
        assertThat(generation.usage()).isEqualTo(new Usage(26, 2));
        assertThat(server.received().get(0).body()).contains("\"model\":\"llama3.2\"", "\"stream\":false",
                "\"logprobs\":true", "\"top_logprobs\":2", "\"seed\":7", "\"num_predict\":5", "\"stop\":[\"\\n\"]",
                "\"temperature\":0.5", "\"role\":\"user\"", "\"content\":\"Is it?\"");
    }

    @Test
    void nIsConcurrentCallsWithDistinctSeeds() {
        server.on(CHAT, json(200, ANSWER));

        Generation generation = generator.generate(GenerationRequest.of("Is it?", GenerationOptions.DEFAULTS
                .withN(3).withSeed(10L)));

        assertThat(generation.completions()).hasSize(3).allSatisfy(c -> assertThat(c.text()).isEqualTo("Yes sir"));
        assertThat(generation.usage()).isEqualTo(new Usage(78, 6));
        assertThat(server.received()).extracting(FakeHttpServer.Received::body)
                .anySatisfy(body -> assertThat(body).contains("\"seed\":10"))
                .anySatisfy(body -> assertThat(body).contains("\"seed\":11"))
                .anySatisfy(body -> assertThat(body).contains("\"seed\":12"));
    }

    @Test
    void streamsNdjsonPiecesInOrderWithLogprobs() {
        server.on(CHAT, streamed("application/x-ndjson", ndjson(List.of("Hel", "lo", " world"), true),
                Duration.ZERO, new AtomicBoolean()));
        List<String> pieces = new ArrayList<>();

        Generation generation = generator.stream(GenerationRequest.of("Hi", GenerationOptions.DEFAULTS
                .withLogprobs(1)), pieces::add, Cancellation.none());

        assertThat(pieces).containsExactly("Hel", "lo", " world");
        assertThat(generation.text()).isEqualTo("Hello world");
        assertThat(generation.first().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(generation.first().tokens()).extracting(TokenLogprob::token).containsExactly("Hel", "lo",
                " world");
        assertThat(generation.first().tokens().get(0).top()).containsExactly(
                new TokenLogprob.Alternative("Hel", -0.5));
        assertThat(generation.usage()).isEqualTo(new Usage(9, 3));
        assertThat(server.received().get(0).body()).contains("\"stream\":true");
    }

    @Test
    void cancellationStopsTheStreamEarly() {
        RemoteGeneratorChecks.cancellationStopsTheStreamEarly(server, CHAT, generator,
                words -> ndjson(words, false), "application/x-ndjson");
    }

    @Test
    void aSilentServerTimesOutQuicklyAsUnavailable() {
        RemoteGeneratorChecks.aSilentServerTimesOutQuickly(server, CHAT, generator,
                json(200, ANSWER), "ollama");
    }

    @Test
    void retriesBusyAndFailingServersThenSucceeds() {
        server.on(CHAT, json(429, "{\"error\":\"busy\"}", Map.of("Retry-After", "0")),
                json(503, "{\"error\":\"loading model\"}"), json(200, ANSWER));

        assertThat(generator.generate(GenerationRequest.of("Is it?", null)).text()).isEqualTo("Yes sir");
        assertThat(server.count(CHAT)).isEqualTo(3);
    }

    @Test
    void persistentServerErrorsOpenTheCircuit() {
        RemoteGeneratorChecks.persistentServerErrorsOpenTheCircuit(server, CHAT, generator,
                json(500, "{\"error\":\"out of memory\"}"));
    }

    @Test
    void malformedJsonAndUnknownModelsAreModelFailures() {
        server.on(CHAT, json(200, "{\"model\":\"llama3.2\",\"message\":"));
        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("'ollama' failed: unreadable answer");

        server.on(CHAT, json(404, "{\"error\":\"model 'llama3.2' not found\"}"));
        assertThatThrownBy(() -> generator.generate(GenerationRequest.of("Hi", null)))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("HTTP 404").hasMessageContaining("not found");
        assertThat(server.count(CHAT)).isEqualTo(2);
    }

    @Test
    void claimsLogprobsOnlyFromVersionZeroTwelveEleven() {
        assertThat(generator.capabilities().logprobs()).as("server not saying its version yet").isFalse();
        server.on("/api/version", json(200, "{\"version\":\"0.12.11\"}"));
        assertThat(generator.capabilities().logprobs()).isTrue();
        assertThat(OllamaGenerator.atLeast("0.12.10", OllamaGenerator.LOGPROBS_SINCE)).isFalse();
        assertThat(OllamaGenerator.atLeast("0.13.0", OllamaGenerator.LOGPROBS_SINCE)).isTrue();
        assertThat(OllamaGenerator.atLeast("0.12.11-rc1", OllamaGenerator.LOGPROBS_SINCE)).isTrue();
    }

    @Test
    void healthListsTheModels() {
        server.on("/api/tags", json(200, "{\"models\":[{\"name\":\"llama3.2:latest\",\"model\":\"llama3.2:latest\"}]}"));

        assertThat(generator.health().getStatus()).isEqualTo(Status.UP);
        assertThat(generator.health().getDetails()).containsEntry("modelPulled", true)
                .containsEntry("circuit", "CLOSED");
    }

    private static List<String> ndjson(List<String> pieces, boolean end) {
        List<String> lines = new ArrayList<>();
        for (String piece : pieces) {
            lines.add("{\"model\":\"llama3.2\",\"created_at\":\"2025-11-20T10:00:00Z\",\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"" + piece + "\"},\"done\":false,\"logprobs\":[{\"token\":\""
                    + piece + "\",\"logprob\":-0.5,\"top_logprobs\":[{\"token\":\"" + piece
                    + "\",\"logprob\":-0.5}]}]}\n");
        }
        if (end) {
            lines.add("{\"model\":\"llama3.2\",\"created_at\":\"2025-11-20T10:00:01Z\",\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"length\","
                    + "\"prompt_eval_count\":9,\"eval_count\":3}\n");
        }
        return lines;
    }

    @Test
    void aSchemaTravelsAsFormat() {
        server.on(CHAT, json(200, ANSWER));

        generator.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS).withSchema(SCHEMA));

        JsonNode sent = JsonMapper.builder().build().readTree(server.received().get(0).body());
        assertThat(sent.path("format")).isEqualTo(JsonMapper.builder().build().readTree(SCHEMA.json()));
        assertThat(generator.capabilities().structuredOutput()).isTrue();
    }

    @Test
    void withoutASchemaNoFormatIsSent() {
        server.on(CHAT, json(200, ANSWER));

        generator.generate(GenerationRequest.of("Plan the day", GenerationOptions.DEFAULTS));

        assertThat(server.received().get(0).body()).doesNotContain("\"format\"");
    }
}
