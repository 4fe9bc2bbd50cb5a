package dev.lore.answers.flare;

import static dev.lore.models.backend.FakeHttpServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.onnx.TinyCrossEncoder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * FLARE-direct and streaming against a fake OpenAI-compatible server that answers with per-token logprobs: the exact
 * queries and masks, kept look-aheads (one call), regenerated sentences, the stop rules, and a client that hangs up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlareApiTests extends IntegrationTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final FakeHttpServer SERVER = new FakeHttpServer();
    private static final String COLLECTION = "flare";
    private static final String QUESTION = "How many days of annual leave do staff earn?";

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void openAi(DynamicPropertyRegistry registry) {
        SERVER.registerAsOpenAi(registry);
        registry.add("lore.answers.context-tokens", () -> "600");
        registry.add("lore.answers.max-answer-tokens", () -> "300");
        java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "lore-answers-cross-encoder-" + ProcessHandle.current().pid());
        TinyCrossEncoder.write(dir, TinyCrossEncoder.Kind.OVERLAP_ONE_LOGIT);
        registry.add("lore.rerank.cross-encoder.model-dir", dir::toString);
    }

    @BeforeAll
    void ingest() {
        SERVER.on("/v1/models", json(200, """
                {"object":"list","data":[{"id":"gpt-test","object":"model","created":1,"owned_by":"test"}]}"""));
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of "
                        + "service they earn 20 days a year.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"),
                Part.file("parental.md", "# Parental leave\n\nParents get 12 weeks of paid parental leave after "
                        + "a birth or an adoption.\n"),
                Part.file("security.md", "# Security\n\nReport phishing emails to the security team at once.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @AfterAll
    void stop() {
        SERVER.close();
    }

    @Test
    void aConfidentLookAheadIsKeptAndAnUnsureOneRetrievesWithItsConfidentTokens() {
        SERVER.on(CHAT,
                completion("length", t("Staff", .9), t(" earn", .9), t(" 13", .8), t(" days", .9), t(" [1]", .9),
                        t(".", .9), t(" Parents", .6), t(" get", .6)),
                completion("stop", t(" Parents", .9), t(" get", .9), t(" 12", .1), t(" weeks", .3), t(" of", .9),
                        t(" paid", .45), t(" leave", .9), t(".", .9)),
                completion("stop", t(" Parents", .9), t(" get", .9), t(" 12", .9), t(" weeks", .9), t(" of", .9),
                        t(" paid", .9), t(" parental", .9), t(" leave", .9), t(" [2]", .9), t(".", .9)));
        int before = SERVER.received().size();

        Api.Response response = flare(Map.of("threshold", 0.5, "maskBelow", 0.4, "lookaheadTokens", 16,
                "maxRetrievals", 2, "documents", 1));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode body = response.body();
        List<FakeHttpServer.Received> calls = chatCalls(before);
        assertThat(calls).as("one call for the kept sentence, two for the one that retrieved").hasSize(3);
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(3);
        assertThat(body.path("flare").asString()).isEqualTo("direct");
        assertThat(body.path("answer").asString())
                .isEqualTo("Staff earn 13 days [1]. Parents get 12 weeks of paid parental leave [2].");
        JsonNode retrieval = body.path("retrievals").get(1);
        assertThat(body.path("retrievals")).hasSize(2);
        assertThat(retrieval.path("reason").asString()).isEqualTo("low-confidence");
        assertThat(retrieval.path("query").asString()).isEqualTo("Parents get of paid leave.");
        assertThat(retrieval.path("trigger")).extracting(t -> t.path("token").asString() + "@" + t.path("p")
                .asDouble()).containsExactly(" 12@0.1", " weeks@0.3", " paid@0.45");
        assertThat(retrieval.path("chunkIds")).hasSize(1);
        assertThat(body.path("citations")).extracting(c -> c.path("n").asInt() + ":" + c.path("source").asString())
                .containsExactly("1:leave.md", "2:parental.md");
        assertThat(body.path("citations").get(1).path("chunkId").asString())
                .isEqualTo(retrieval.path("chunkIds").get(0).asString());

        assertThat(calls.get(0).body()).contains("\"logprobs\":true", "\"max_tokens\":16", "\"temperature\":0.0")
                .doesNotContain("\"role\":\"assistant\"");
        assertThat(calls.get(1).body()).contains("\"role\":\"assistant\"", "Staff earn 13 days [1].")
                .doesNotContain("Parents get 12 weeks of paid parental leave after");
        assertThat(calls.get(2).body()).contains("Parents get 12 weeks of paid parental leave after",
                "Staff earn 13 days of annual leave a year.", "Staff earn 13 days [1].");
    }

    @Test
    void sentencesAChatModelStartsWithoutASpaceAreJoinedWithOneAndAttributedToWhatTheirSearchBrought() {
        SERVER.on(CHAT,
                completion("length", t("Staff", .9), t(" earn", .9), t(" 13", .9), t(" days", .9), t(".", .9),
                        t(" Parents", .9)),
                completion("stop", t("Parents", .9), t(" get", .9), t(" 12", .45), t(" weeks", .9), t(" of", .9),
                        t(" parental", .9), t(" leave", .9), t(".", .9)),
                completion("stop", t("Parents", .9), t(" get", .9), t(" 12", .9), t(" weeks", .9), t(" of", .9),
                        t(" paid", .9), t(" parental", .9), t(" leave", .9), t(".", .9)));

        JsonNode body = flare(Map.of("documents", 1, "maxRetrievals", 1)).body();

        assertThat(body.path("answer").asString())
                .isEqualTo("Staff earn 13 days. Parents get 12 weeks of paid parental leave.");
        JsonNode search = body.path("retrievals").get(1);
        assertThat(search.path("query").asString()).isEqualTo("Parents get 12 weeks of parental leave.");
        assertThat(body.path("citations")).as(body.toString()).extracting(c -> c.path("source").asString() + ":"
                + c.path("attributed").asBoolean() + ":" + c.path("sentence").asString()).containsExactly(
                        "leave.md:true:Staff earn 13 days.",
                        "parental.md:true:Parents get 12 weeks of paid parental leave.");
        assertThat(body.path("citations").get(1).path("chunkId").asString())
                .isEqualTo(search.path("chunkIds").get(0).asString());
        assertThat(body.path("unsupported")).isEmpty();
    }

    @Test
    void explicitQueriesAskOneQuestionPerUnsureSpanAndDropAnswersWithoutAQuestionMark() {
        SERVER.on(CHAT,
                completion("stop", t("Parents", .9), t(" get", .9), t(" 12", .1), t(" weeks", .3), t(" of", .9),
                        t(" paid", .45), t(" leave", .9), t(".", .9)),
                completion("stop", t("How many weeks of paid leave do parents get? Maybe.", .9)),
                completion("stop", t("Paid or unpaid", .9)),
                completion("stop", t("Parents", .9), t(" get", .9), t(" 12", .9), t(" weeks", .9), t(" [2]", .9),
                        t(".", .9)));
        int before = SERVER.received().size();

        JsonNode body = flare(Map.of("query", "questions", "documents", 1)).body();

        List<FakeHttpServer.Received> calls = chatCalls(before);
        assertThat(calls).hasSize(4);
        assertThat(calls.get(1).body()).contains("12 weeks", "Sentence: Parents get 12 weeks of paid leave.");
        assertThat(calls.get(2).body()).contains("paid", "Sentence: Parents get 12 weeks of paid leave.");
        assertThat(body.path("retrievals")).hasSize(2);
        JsonNode retrieval = body.path("retrievals").get(1);
        assertThat(retrieval.path("query").asString()).isEqualTo("How many weeks of paid leave do parents get?");
        assertThat(retrieval.path("trigger")).extracting(t -> t.path("token").asString())
                .containsExactly(" 12", " weeks");
        assertThat(body.path("answer").asString()).isEqualTo("Parents get 12 weeks [2].");
        assertThat(body.path("citations").get(0).path("source").asString()).isEqualTo("parental.md");
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(4);
    }

    /** Five unsure spans: only the three least confident are asked about, and never more than the search budget. */
    @Test
    void questionsModeAsksAboutItsLeastConfidentSpansOnlyAndStopsAtTheSearchBudget() {
        FakeHttpServer.Response unsure = completion("stop", t("Alpha", .1), t(" b", .9), t(" Gamma", .2),
                t(" d", .9), t(" Epsilon", .05), t(" f", .9), t(" Eta", .3), t(" h", .9), t(" Iota", .15), t(".", .9));
        FakeHttpServer.Response sure = completion("stop", t("Parents", .9), t(" get", .9), t(" 12", .9),
                t(" weeks", .9), t(" [2]", .9), t(".", .9));
        SERVER.on(CHAT, unsure, completion("stop", t("What is alpha?", .9)),
                completion("stop", t("What is epsilon?", .9)), completion("stop", t("What is iota?", .9)), sure);
        int before = SERVER.received().size();

        JsonNode body = flare(Map.of("query", "questions", "documents", 1)).body();

        List<FakeHttpServer.Received> calls = chatCalls(before);
        assertThat(calls).as("look-ahead, three questions, the sentence again").hasSize(5);
        assertThat(calls.get(1).body()).contains("Alpha");
        assertThat(calls.get(2).body()).contains("Epsilon");
        assertThat(calls.get(3).body()).contains("Iota");
        assertThat(body.path("retrievals")).hasSize(4);
        assertThat(body.path("answer").asString()).isEqualTo("Parents get 12 weeks [2].");

        SERVER.on(CHAT, unsure, completion("stop", t("What is alpha?", .9)),
                completion("stop", t("What is epsilon?", .9)), sure);
        before = SERVER.received().size();

        body = flare(Map.of("query", "questions", "documents", 1, "questionsPerSentence", 8, "maxSearches", 2))
                .body();

        assertThat(chatCalls(before)).as("look-ahead, two questions, the sentence again").hasSize(4);
        assertThat(body.path("retrievals")).hasSize(3);
        assertThat(flare(Map.of("query", "questions", "questionsPerSentence", 9)).status()).isEqualTo(400);
        assertThat(flare(Map.of("maxSearches", 65)).status()).isEqualTo(400);
    }

    @Test
    void afterMaxRetrievalsUnsureSentencesAreKeptAndTheAnswerEndsWithTheText() {
        SERVER.on(CHAT,
                completion("length", t("Staff", .2), t(" earn", .9), t(" 13", .3), t(" days", .9), t(" [1]", .9),
                        t(".", .9), t(" More", .9)),
                completion("stop", t(" That", .1), t(" is", .9), t(" all", .2), t(".", .9)));
        int before = SERVER.received().size();

        JsonNode body = flare(Map.of("maxRetrievals", 0)).body();

        assertThat(chatCalls(before)).hasSize(2);
        assertThat(body.path("retrievals")).hasSize(1);
        assertThat(body.path("answer").asString()).isEqualTo("Staff earn 13 days [1]. That is all.");
        assertThat(body.path("grounded").asBoolean()).isTrue();
    }

    @Test
    void aStreamedFlareAnswerSendsEachSentenceAndEachRetrievalAsTheyHappen() {
        SERVER.on(CHAT,
                completion("length", t("Staff", .9), t(" earn", .9), t(" 13", .8), t(" days", .9), t(" [1]", .9),
                        t(".", .9), t(" Parents", .6)),
                completion("stop", t(" Parents", .9), t(" get", .9), t(" 12", .1), t(" weeks", .3), t(".", .9)),
                completion("stop", t(" Parents", .9), t(" get", .9), t(" 12", .9), t(" weeks", .9), t(" [2]", .9),
                        t(".", .9)));

        dev.lore.answers.SseClientAccess.Stream stream = dev.lore.answers.SseClientAccess.post(port, ADMIN_KEY, json,
                request(Map.of("documents", 1)));

        assertThat(stream.names()).containsExactly("token", "retrieval", "token", "done");
        assertThat(stream.data().get(0).path("text").asString()).isEqualTo("Staff earn 13 days [1].");
        assertThat(stream.data().get(1).path("query").asString()).isEqualTo("Parents get.");
        assertThat(stream.data().get(2).path("text").asString()).isEqualTo(" Parents get 12 weeks [2].");
        assertThat(stream.data().get(3).path("answer").asString()).isEqualTo("Staff earn 13 days [1]. Parents get 12 "
                + "weeks [2].");
    }

    @Test
    void aClientThatHangsUpCancelsTheGeneration() {
        AtomicBoolean finished = new AtomicBoolean();
        List<String> words = IntStream.range(0, 60).mapToObj(i -> "w" + i + " ").toList();
        SERVER.on(CHAT, FakeHttpServer.streamed("text/event-stream", streamedChunks(words), Duration.ofMillis(20),
                finished));
        double cancelled = cancelledAnswers();

        dev.lore.answers.SseClientAccess.Stream stream = dev.lore.answers.SseClientAccess.postUntil(port, ADMIN_KEY,
                json, Map.of("collection", COLLECTION, "question", QUESTION), 2);

        assertThat(stream.names()).containsExactly("token", "token");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cancelledAnswers() > cancelled);
        assertThat(finished).as("the model was still streaming when the answer was cancelled").isFalse();
    }

    @Test
    void aQuestionThatLeavesNoRoomForSourcesInTheGeneratorsContextIsRefusedBeforeAnyCall() {
        int before = SERVER.received().size();

        Api.Response response = admin().post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", "vacation ".repeat(200)));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.problemType()).isEqualTo("question-too-long");
        assertThat(response.body().path("detail").asString()).contains("generator's context of 600 tokens");
        assertThat(SERVER.received()).hasSize(before);
    }

    @Test
    void extractiveAnswersScoreSentencesWithTheCrossEncoderWhenOneIsConfigured() {
        int before = SERVER.received().size();

        JsonNode body = admin().post("/api/v1/answer", Map.of("collection", COLLECTION, "question", QUESTION,
                "generator", "none")).body();

        assertThat(body.path("extractive").asString()).isEqualTo("cross-encoder");
        assertThat(body.path("answer").asString()).startsWith("Staff earn 13 days of annual leave a year. [1]");
        assertThat(body.path("citations").get(0).path("source").asString()).isEqualTo("leave.md");
        assertThat(SERVER.received()).hasSize(before);
    }

    private double cancelledAnswers() {
        var counter = meters.find("lore.answers").tag("outcome", "cancelled").counter();
        return counter == null ? 0 : counter.count();
    }

    private Api.Response flare(Map<String, Object> settings) {
        return admin().post("/api/v1/answer", request(settings));
    }

    private static Map<String, Object> request(Map<String, Object> settings) {
        Map<String, Object> body = new HashMap<>();
        body.put("collection", COLLECTION);
        body.put("question", QUESTION);
        body.put("strategy", "flare");
        body.put("topK", 1);
        body.put("flare", settings);
        return body;
    }

    private static List<FakeHttpServer.Received> chatCalls(int before) {
        return SERVER.received().subList(before, SERVER.received().size()).stream()
                .filter(call -> call.path().equals(CHAT)).toList();
    }

    private record T(String token, double p) {
    }

    private static T t(String token, double p) {
        return new T(token, p);
    }

    private static FakeHttpServer.Response completion(String finish, T... tokens) {
        StringBuilder text = new StringBuilder();
        List<String> logprobs = new ArrayList<>();
        for (T token : tokens) {
            text.append(token.token());
            logprobs.add("{\"token\":" + quote(token.token()) + ",\"logprob\":" + Math.log(token.p())
                    + ",\"bytes\":null,\"top_logprobs\":[]}");
        }
        return json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-test\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + quote(text.toString())
                + "},\"logprobs\":{\"content\":[" + String.join(",", logprobs) + "]},\"finish_reason\":\"" + finish
                + "\"}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":" + tokens.length
                + ",\"total_tokens\":" + (100 + tokens.length) + "}}");
    }

    private static List<String> streamedChunks(List<String> pieces) {
        List<String> events = new ArrayList<>();
        for (String piece : pieces) {
            events.add("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(piece) + "},\"logprobs\":null,"
                    + "\"finish_reason\":null}]}\n\n");
        }
        return events;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
