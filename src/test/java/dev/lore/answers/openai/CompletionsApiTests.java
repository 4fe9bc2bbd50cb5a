package dev.lore.answers.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.ai.openai.http.okhttp.SpringAiOpenAiHttpClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientImpl;
import com.openai.core.ClientOptions;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.EmbeddingCreateParams;

import dev.lore.answers.ScriptedGenerator;
import dev.lore.answers.ScriptedGeneratorBackend;
import dev.lore.models.ChatMessage;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelUnavailable;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAI-compatible facade driven by the official OpenAI Java SDK, streaming and not, with usage and errors,
 * plus the malformed conversations an SDK would not send.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=scripted")
class CompletionsApiTests extends IntegrationTest {

    private static final String COLLECTION = "openai";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;
    private static final String LEAVE_QUESTION = "How many days of annual leave do staff earn?";
    private static final String ANSWER = "Staff earn 13 days of annual leave a year [1].";

    private OpenAIClient client;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        admin().post("/api/v1/collections", Map.of("name", "openai-hidden"));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of "
                        + "service they earn 20 days a year.\n\nPart-time staff earn leave pro rata.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
        client = client(ADMIN_KEY);
    }

    @AfterAll
    void close() {
        client.close();
    }

    @BeforeEach
    void reset() {
        MODEL.answer(request -> last(request).startsWith("Rewrite the last message") ? "part-time staff annual leave"
                : ANSWER);
    }

    @Test
    void theOpenAiSdkGetsACitedCompletion() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("lore:" + COLLECTION).addSystemMessage("You are helpful.").addUserMessage(LEAVE_QUESTION)
                .temperature(0.2).user("someone").build());

        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).contains(ANSWER);
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.model()).isEqualTo("lore:" + COLLECTION);
        assertThat(completion.id()).startsWith("chatcmpl-");
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(7);
        assertThat(completion.usage().orElseThrow().totalTokens()).isGreaterThan(7);
        JsonValue citations = completion._additionalProperties().get("citations");
        assertThat(citations.toString()).contains("leave.md").contains("chunkId");
    }

    @Test
    void theOpenAiSdkStreamsChunksWithRoleFirstFinishReasonLastThenUsage() {
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("lore:" + COLLECTION).addUserMessage(LEAVE_QUESTION)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = stream.stream().toList();
        }

        List<ChatCompletionChunk> withChoices = chunks.stream().filter(chunk -> !chunk.choices().isEmpty()).toList();
        assertThat(withChoices.get(0).choices().get(0).delta().role()).isPresent();
        StringBuilder text = new StringBuilder();
        withChoices.forEach(chunk -> chunk.choices().get(0).delta().content().ifPresent(text::append));
        assertThat(text.toString()).isEqualTo(ANSWER);
        assertThat(withChoices.size()).isGreaterThan(3);
        ChatCompletionChunk last = withChoices.get(withChoices.size() - 1);
        assertThat(last.choices().get(0).finishReason()).contains(ChatCompletionChunk.Choice.FinishReason.STOP);
        assertThat(last._additionalProperties().get("citations").toString()).contains("leave.md");
        withChoices.subList(0, withChoices.size() - 1)
                .forEach(chunk -> assertThat(chunk.choices().get(0).finishReason()).isEmpty());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertThat(usage.choices()).isEmpty();
        assertThat(usage.usage().orElseThrow().completionTokens()).isEqualTo(7);
        assertThat(chunks.stream().filter(chunk -> chunk.usage().isPresent())).hasSize(1);
    }

    @Test
    void theMessagesAreTheConversationAndTheLastUserMessageIsTheQuestion() {
        int before = MODEL.requests().size();

        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("lore:" + COLLECTION + ":hyde").addUserMessage(LEAVE_QUESTION).addAssistantMessage(ANSWER)
                .addUserMessage("and for part-time staff?").build());

        assertThat(completion.choices().get(0).message().content()).contains(ANSWER);
        List<GenerationRequest> calls = new ArrayList<>(MODEL.requests().subList(before, MODEL.requests().size()));
        assertThat(last(calls.get(0))).startsWith("Rewrite the last message").contains("User: " + LEAVE_QUESTION)
                .contains("Last message: and for part-time staff?");
        List<ChatMessage> answered = calls.get(calls.size() - 1).messages();
        assertThat(answered.subList(0, 2)).containsExactly(ChatMessage.user(LEAVE_QUESTION),
                ChatMessage.assistant(ANSWER));
        assertThat(answered.get(2).content()).contains("Question: and for part-time staff?");
        assertThat(completion._additionalProperties().get("citations").toString()).contains("leave.md");
    }

    @Test
    void errorsComeInOpenAisShapeAndTheSdkRaisesThem() {
        int before = MODEL.requests().size();
        NotFoundException unknown = catchThrowableOfType(NotFoundException.class, () -> client.chat().completions()
                .create(ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage(LEAVE_QUESTION).build()));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.code()).contains("model_not_found");
        assertThat(unknown.param()).contains("model");

        String reader = admin().post("/api/v1/keys", Map.of("name", "openai-reader", "collections",
                List.of(COLLECTION), "permissions", List.of("read"))).body().path("key").asString();
        OpenAIClient narrow = client(reader);
        try {
            assertThat(catchThrowableOfType(NotFoundException.class, () -> narrow.chat().completions().create(
                    ChatCompletionCreateParams.builder().model("lore:openai-hidden").addUserMessage(LEAVE_QUESTION)
                            .build())).statusCode()).isEqualTo(404);
            List<String> ids = new ArrayList<>();
            narrow.models().list().data().forEach(model -> ids.add(model.id()));
            assertThat(ids).containsExactly("lore:" + COLLECTION);
        }
        finally {
            narrow.close();
        }
        List<String> all = new ArrayList<>();
        client.models().list().data().forEach(model -> all.add(model.id()));
        assertThat(all).contains("lore:" + COLLECTION, "lore:openai-hidden");

        BadRequestException noUser = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(ChatCompletionCreateParams.builder().model("lore:" + COLLECTION)
                        .addSystemMessage("Only a system message").build()));
        assertThat(noUser.statusCode()).isEqualTo(400);
        assertThat(noUser.type()).contains("invalid_request_error");

        Map<Map<String, Object>, String> cases = Map.of(
                Map.of("model", "lore:" + COLLECTION, "messages", List.of(Map.of("role", "wizard", "content", "hi"))),
                "messages[0].role",
                Map.of("model", "lore:" + COLLECTION, "messages", List.of(Map.of("role", "user", "content",
                        List.of(Map.of("type", "text", "text", "hi"))))), "messages[0].content",
                Map.of("model", "lore:" + COLLECTION, "messages", List.of(Map.of("role", "user", "content", " "))),
                "question must not be empty",
                Map.of("model", "lore:" + COLLECTION, "messages", List.of()), "messages");
        cases.forEach((body, expected) -> {
            Api.Response response = admin().post("/v1/chat/completions", body);
            assertThat(response.status()).as(response.raw()).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/json");
            JsonNode error = response.body().path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("param").asString() + " " + error.path("message").asString()).contains(expected);
            assertThat(error.has("code")).isTrue();
        });
        Api.Response malformed = admin().postRaw("/v1/chat/completions", "application/json", "{\"model\":".getBytes());
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body().path("error").path("message").asString()).isNotBlank();
        assertThat(MODEL.requests()).hasSize(before);

        MODEL.fail(ModelUnavailable.busy("scripted", Duration.ofSeconds(7)));
        Api.Response busy = admin().post("/v1/chat/completions", Map.of("model", "lore:" + COLLECTION,
                "messages", List.of(Map.of("role", "user", "content", LEAVE_QUESTION))));
        assertThat(busy.status()).as(busy.raw()).isEqualTo(503);
        assertThat(busy.header("Retry-After")).isEqualTo("7");
        assertThat(busy.body().path("error").path("type").asString()).isEqualTo("server_error");
        assertThat(busy.body().path("error").path("code").asString()).isEqualTo("model_busy");
    }

    /**
     * Everything under /v1 answers in OpenAI's shape, the key check included: the SDK raises its own exception for a
     * bad key, an unknown path and a refused request instead of "401 status code (no body)".
     */
    @Test
    void authenticationAndRoutingErrorsUnderV1ComeInOpenAisShape() {
        OpenAIClient wrongKey = client("lore_not-a-real-key");
        try {
            UnauthorizedException refused = catchThrowableOfType(UnauthorizedException.class,
                    () -> wrongKey.models().list());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.code()).contains("invalid_api_key");
            assertThat(refused.type()).contains("authentication_error");
            assertThat(catchThrowableOfType(UnauthorizedException.class, () -> wrongKey.chat().completions()
                    .create(ChatCompletionCreateParams.builder().model("lore:" + COLLECTION)
                            .addUserMessage(LEAVE_QUESTION).build())).statusCode()).isEqualTo(401);
        }
        finally {
            wrongKey.close();
        }

        NotFoundException noSuchEndpoint = catchThrowableOfType(NotFoundException.class, () -> client.embeddings()
                .create(EmbeddingCreateParams.builder().model("lore:" + COLLECTION).input("leave").build()));
        assertThat(noSuchEndpoint.statusCode()).isEqualTo(404);
        assertThat(noSuchEndpoint.code()).contains("not_found");
        assertThat(noSuchEndpoint.type()).contains("invalid_request_error");

        Api.Response missing = as(null).get("/v1/models");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertOpenAiError(missing, "authentication_error", "missing_key");

        Api.Response wrongMethod = admin().get("/v1/chat/completions");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertOpenAiError(wrongMethod, "invalid_request_error", "method_not_allowed");

        Api.Response wrongMediaType = admin().postRaw("/v1/chat/completions", "text/plain", "hello".getBytes());
        assertThat(wrongMediaType.status()).isEqualTo(415);
        assertOpenAiError(wrongMediaType, "invalid_request_error", "unsupported_media_type");

        Api.Response undecodable = admin().get("/v1/models?after=%FF");
        assertThat(undecodable.status()).isEqualTo(400);
        assertOpenAiError(undecodable, "invalid_request_error", "invalid_request");

        // the REST API keeps problem+json
        Api.Response rest = as("lore_not-a-real-key").get("/api/v1/collections");
        assertThat(rest.contentType()).startsWith("application/problem+json");
        assertThat(rest.problemType()).isEqualTo("invalid-key");
    }

    private static void assertOpenAiError(Api.Response response, String type, String code) {
        assertThat(response.contentType()).as(response.raw()).startsWith("application/json");
        JsonNode error = response.body().path("error");
        assertThat(error.path("type").asString()).as(response.raw()).isEqualTo(type);
        assertThat(error.path("code").asString()).as(response.raw()).isEqualTo(code);
        assertThat(error.path("message").asString()).as(response.raw()).isNotBlank();
        assertThat(error.has("param")).as(response.raw()).isTrue();
        assertThat(response.body().has("status")).as(response.raw()).isFalse();
    }

    private OpenAIClient client(String key) {
        return new OpenAIClientImpl(ClientOptions.builder()
                .httpClient(SpringAiOpenAiHttpClient.builder().timeout(Duration.ofSeconds(30)).build())
                .baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(key).maxRetries(0).build());
    }

    /** A huge turn is refused before anything reads it; turns past lore.chat.history-tokens reach no prompt at all. */
    @Test
    void earlierTurnsAreCutToTheHistoryBudgetAndAHugeMessageIsRefused() {
        int before = MODEL.requests().size();
        Api.Response huge = admin().post("/v1/chat/completions", Map.of("model", "lore:" + COLLECTION, "messages",
                List.of(Map.of("role", "user", "content", "x".repeat(1_000_000)),
                        Map.of("role", "assistant", "content", "ok"), Map.of("role", "user", "content", "and?"))));
        assertThat(huge.status()).as(huge.raw()).isEqualTo(400);
        assertThat(huge.body().path("error").path("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(huge.body().path("error").path("param").asString()).isEqualTo("messages[0].content");
        assertThat(MODEL.requests()).hasSize(before);

        // ten earlier turns of about 400 tokens each: two or three fit the default budget of 1024 tokens
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(Map.of("role", i % 2 == 0 ? "user" : "assistant", "content",
                    "turn" + i + "marker " + "leave ".repeat(400)));
        }
        messages.add(Map.of("role", "user", "content", LEAVE_QUESTION));

        Api.Response answered = admin().post("/v1/chat/completions", Map.of("model", "lore:" + COLLECTION,
                "messages", messages));

        assertThat(answered.status()).as(answered.raw()).isEqualTo(200);
        List<GenerationRequest> calls = MODEL.requests().subList(before, MODEL.requests().size());
        assertThat(calls).hasSize(2);
        for (GenerationRequest call : calls) {
            String prompt = call.messages().stream().map(ChatMessage::content).reduce("", String::concat);
            for (int i = 0; i < 7; i++) {
                assertThat(prompt).as("turn %d is past the budget", i).doesNotContain("turn" + i + "marker");
            }
            assertThat(prompt).hasSizeLessThan(4 * 2_500 + 4_000);
        }
    }

    private static String last(GenerationRequest request) {
        return request.messages().get(request.messages().size() - 1).content();
    }
}
