package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelUnavailable;
import dev.lore.retrieval.ContextOrdering;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/answer} with a scripted generator: numbered sources in "lost in the middle" order, citations
 * and dropped markers, refusals without a model call, HyDE, extractive answers, FLARE-instruct, SSE, bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = "lore.generator=scripted")
class AnswerApiTests extends IntegrationTest {

    private static final String COLLECTION = "answers";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;
    private static final String LEAVE_QUESTION = "How many days of annual leave do staff earn?";

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        admin().post("/api/v1/collections", Map.of("name", "answers-empty"));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of "
                        + "service they earn 20 days a year.\n\nSick leave is separate from annual leave.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one. "
                        + "Laptops are replaced every four years.\n"),
                Part.file("parental.md", "# Parental leave\n\nParents get 12 weeks of paid parental leave after "
                        + "a birth or an adoption.\n"),
                Part.file("security.md", "# Security\n\nReport phishing emails to the security team at once.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @BeforeEach
    void reset() {
        MODEL.answer(request -> "");
    }

    @Test
    void singleAnswersCiteNumberedSourcesQuoteTheirBestSentenceAndDropUnknownMarkers() {
        MODEL.answer(request -> {
            String prompt = request.messages().get(0).content();
            return "Staff earn 13 days of annual leave [" + number(prompt, "leave.md") + "]. New hires get a laptop "
                    + "on day one [" + number(prompt, "laptops.md") + "][9]. Parents get 12 weeks [7].";
        });
        int before = MODEL.requests().size();

        Api.Response response = answer(Map.of("question", LEAVE_QUESTION, "topK", 4));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        String prompt = MODEL.requests().get(before).messages().get(0).content();
        int leave = number(prompt, "leave.md");
        int laptops = number(prompt, "laptops.md");
        JsonNode body = response.body();
        assertThat(body.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave [" + leave
                + "]. New hires get a laptop on day one [" + laptops + "]. Parents get 12 weeks.");
        assertThat(body.path("droppedMarkers").asInt()).isEqualTo(2);
        assertThat(body.path("grounded").asBoolean()).isTrue();
        assertThat(body.path("generator").asString()).isEqualTo("scripted:test");
        assertThat(body.path("strategy").asString()).isEqualTo("single");
        Map<Integer, JsonNode> citations = new HashMap<>();
        List<String> attributed = new ArrayList<>();
        body.path("citations").forEach(citation -> {
            if (citation.path("attributed").asBoolean()) {
                attributed.add(citation.path("source").asString() + ": " + citation.path("sentence").asString());
            }
            else {
                citations.put(citation.path("n").asInt(), citation);
            }
        });
        assertThat(citations).containsOnlyKeys(leave, laptops);
        assertThat(attributed).as("the sentence whose marker named no source").containsExactly(
                "parental.md: Parents get 12 weeks.");
        assertThat(citations.get(leave).path("source").asString()).isEqualTo("leave.md");
        assertThat(citations.get(leave).path("quote").asString())
                .isEqualTo("Staff earn 13 days of annual leave a year.");
        assertThat(citations.get(laptops).path("quote").asString())
                .isEqualTo("New hires receive a laptop from the IT desk on day one.");
        assertThat(citations.get(laptops).path("documentId").asString()).isNotBlank();
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(1);
        assertThat(body.path("usage").path("completionTokens").asInt()).isEqualTo(7);
        JsonNode retrieval = body.path("retrievals").get(0);
        assertThat(retrieval.path("reason").asString()).isEqualTo("initial");
        assertThat(retrieval.path("query").asString()).isEqualTo(LEAVE_QUESTION);
        assertThat(body.path("timingsMs").has("retrieval")).isTrue();
        assertThat(body.path("timingsMs").has("generation")).isTrue();
        assertThat(body.path("timingsMs").path("total").asLong()).isGreaterThanOrEqualTo(0);

        List<String> searched = new ArrayList<>();
        admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", LEAVE_QUESTION, "topK", 4))
                .body().path("results").forEach(hit -> searched.add(hit.path("source").asString()));
        assertThat(sourcesInPromptOrder(prompt)).containsExactlyElementsOf(ContextOrdering.lostInTheMiddle(searched));
        assertThat(prompt).contains("The documents do not cover this.").contains("Question: " + LEAVE_QUESTION)
                .contains("[1] ").contains("[4] ");
        List<String> ids = new ArrayList<>();
        retrieval.path("chunkIds").forEach(id -> ids.add(id.asString()));
        assertThat(ids).hasSize(4).contains(citations.get(leave).path("chunkId").asString());
    }

    @Test
    void aQuestionTheDocumentsDoNotSupportIsRefusedWithoutAModelCall() {
        int before = MODEL.requests().size();

        JsonNode body = answer(Map.of("question", "What is the orbital period of Neptune's moon Triton?")).body();

        assertThat(body.path("grounded").asBoolean()).isFalse();
        assertThat(body.path("refusedFor").asString()).isEqualTo("support");
        assertThat(body.path("answer").asString()).isEqualTo("The documents do not cover this.");
        assertThat(body.path("citations")).isEmpty();
        assertThat(body.path("usage").path("llmCalls").asInt()).isZero();
        assertThat(MODEL.requests()).hasSize(before);
    }

    @Test
    void aCollectionWithoutDocumentsIsRefusedWithoutAModelCall() {
        int before = MODEL.requests().size();

        Api.Response response = admin().post("/api/v1/answer", Map.of("collection", "answers-empty",
                "question", LEAVE_QUESTION));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(response.body().path("grounded").asBoolean()).isFalse();
        assertThat(response.body().path("retrievals").get(0).path("chunkIds")).isEmpty();
        assertThat(MODEL.requests()).hasSize(before);
    }

    @Test
    void aModelThatSaysTheSourcesDoNotCoverItGivesARefusal() {
        MODEL.answer(request -> "I am sorry. The documents do not cover this.");

        JsonNode body = answer(Map.of("question", "How many days of sick leave do staff earn?")).body();

        assertThat(body.path("grounded").asBoolean()).isFalse();
        assertThat(body.path("refusedFor").asString()).isEqualTo("model");
        assertThat(body.path("answer").asString()).isEqualTo("The documents do not cover this.");
        assertThat(body.path("citations")).isEmpty();
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(1);
    }

    @Test
    void hydeAnswersRetrieveWithHypotheticalPassagesThenAnswer() {
        MODEL.answer(request -> request.options().n() > 1 || request.messages().get(0).content().startsWith("Please")
                ? "Employees accrue annual leave days every year." : "Staff earn 13 days [1].");
        int before = MODEL.requests().size();

        JsonNode body = answer(Map.of("question", LEAVE_QUESTION, "strategy", "hyde")).body();

        List<GenerationRequest> calls = MODEL.requests().subList(before, MODEL.requests().size());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).messages().get(0).content()).startsWith("Please write a passage");
        assertThat(calls.get(1).messages().get(0).content()).contains("Sources:");
        assertThat(body.path("strategy").asString()).isEqualTo("hyde");
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(2);
        assertThat(body.path("grounded").asBoolean()).isTrue();
    }

    @Test
    void extractiveAnswersQuoteTheBestSentencesVerbatimWithoutAModelCall() {
        int before = MODEL.requests().size();

        JsonNode body = answer(Map.of("question", LEAVE_QUESTION, "generator", "none")).body();

        assertThat(MODEL.requests()).hasSize(before);
        assertThat(body.path("generator").asString()).isEqualTo("none");
        assertThat(body.path("extractive").asString()).isEqualTo("similarity+overlap");
        assertThat(body.path("grounded").asBoolean()).isTrue();
        assertThat(body.path("answer").asString()).startsWith("Staff earn 13 days of annual leave a year. [1]");
        JsonNode first = body.path("citations").get(0);
        assertThat(first.path("n").asInt()).isEqualTo(1);
        assertThat(first.path("source").asString()).isEqualTo("leave.md");
        assertThat(first.path("quote").asString()).isEqualTo("Staff earn 13 days of annual leave a year.");
        assertThat(body.path("usage").path("llmCalls").asInt()).isZero();
        int sentences = body.path("answer").asString().split("\\[\\d+]").length;
        assertThat(sentences).isBetween(1, 3);
    }

    @Test
    void anExtractiveAnswerWhoseQuotesStateNoneOfTheFigureAskedForIsRefused() {
        String cost = "How much does a replacement laptop cost?";

        JsonNode refused = answer(Map.of("question", cost, "generator", "none")).body();
        JsonNode answered = answer(Map.of("question", "How often are laptops replaced?", "generator", "none")).body();
        JsonNode unrefused = answer(Map.of("question", cost, "generator", "none", "minSupport", 0.0)).body();

        // the topic is there (support clears min-support), the figure is not: no quote says what it costs
        assertThat(refused.path("support").asDouble()).isGreaterThanOrEqualTo(0.41);
        assertThat(refused.path("grounded").asBoolean()).isFalse();
        assertThat(refused.path("refusedFor").asString()).isEqualTo("figure");
        assertThat(refused.path("answer").asString()).isEqualTo("The documents do not cover this.");
        assertThat(refused.path("citations")).isEmpty();
        assertThat(answered.path("grounded").asBoolean()).isTrue();
        assertThat(answered.has("refusedFor")).isFalse();
        assertThat(answered.path("answer").asString()).contains("every four years");
        assertThat(unrefused.path("grounded").asBoolean()).isTrue();
        assertThat(unrefused.path("citations").get(0).path("source").asString()).isEqualTo("laptops.md");
    }

    @Test
    void flareInstructRetrievesWhereAModelWithoutLogprobsAsksToSearch() {
        List<String> replies = new ArrayList<>(List.of(
                "Staff earn 13 days [1]. [Search(weeks of paid parental leave",
                " Parents get 12 weeks of paid parental leave [PARENTAL]."));
        MODEL.answer(request -> {
            String reply = replies.remove(0);
            return reply.replace("PARENTAL", Integer.toString(number(request.messages().get(0).content(),
                    "parental.md")));
        });
        int before = MODEL.requests().size();

        JsonNode body = answer(Map.of("question", LEAVE_QUESTION, "strategy", "flare", "topK", 1,
                "flare", Map.of("documents", 1))).body();

        List<GenerationRequest> calls = MODEL.requests().subList(before, MODEL.requests().size());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).options().stop()).containsExactly(")]");
        assertThat(calls.get(0).messages().get(0).content()).contains("[Search(");
        assertThat(calls.get(1).messages()).hasSize(2);
        assertThat(calls.get(1).messages().get(1).content()).isEqualTo("Staff earn 13 days [1]. ");
        assertThat(body.path("flare").asString()).isEqualTo("instruct");
        assertThat(body.path("answer").asString())
                .isEqualTo("Staff earn 13 days [1]. Parents get 12 weeks of paid parental leave [2].");
        JsonNode search = body.path("retrievals").get(1);
        assertThat(search.path("reason").asString()).isEqualTo("instruct");
        assertThat(search.path("query").asString()).isEqualTo("weeks of paid parental leave");
        assertThat(body.path("citations")).extracting(c -> c.path("source").asString())
                .containsExactly("leave.md", "parental.md");
        assertThat(body.path("usage").path("llmCalls").asInt()).isEqualTo(2);
    }

    @Test
    void streamedAnswersSendTokensThenDone() {
        MODEL.answer(request -> "Staff earn 13 days of annual leave [1].");

        SseClient.Stream stream = sse().post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", LEAVE_QUESTION));

        assertThat(stream.contentType()).startsWith("text/event-stream");
        List<String> names = stream.events().stream().map(SseClient.Event::name).toList();
        assertThat(names.get(names.size() - 1)).isEqualTo("done");
        assertThat(names.subList(0, names.size() - 1)).hasSizeGreaterThan(1).allMatch("token"::equals);
        StringBuilder text = new StringBuilder();
        stream.events().stream().filter(e -> e.name().equals("token"))
                .forEach(e -> text.append(e.data().path("text").asString()));
        assertThat(text.toString()).isEqualTo("Staff earn 13 days of annual leave [1].");
        JsonNode done = stream.events().get(names.size() - 1).data();
        assertThat(done.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave [1].");
        assertThat(done.path("citations").get(0).path("n").asInt()).isEqualTo(1);
        assertThat(done.path("timingsMs").has("firstToken")).isTrue();
    }

    @Test
    void aGeneratorFailingUnderAStreamSendsAnErrorEventAndEndsIt() {
        MODEL.fail(ModelUnavailable.down("scripted", null));

        SseClient.Stream stream = sse().post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", LEAVE_QUESTION));

        assertThat(stream.events()).extracting(SseClient.Event::name).containsExactly("error");
        assertThat(stream.events().get(0).data().path("type").asString()).endsWith("/model-unavailable");
        assertThat(stream.events().get(0).data().path("status").asInt()).isEqualTo(503);
    }

    @Test
    void aGeneratorThatIsDownGivesA503() {
        MODEL.fail(ModelUnavailable.down("scripted", null));

        Api.Response response = answer(Map.of("question", LEAVE_QUESTION));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.problemType()).isEqualTo("model-unavailable");
    }

    @Test
    void badInputIsRefusedWithAProblemAndNoModelCall() {
        int before = MODEL.requests().size();
        String longQuestion = "vacation ".repeat(300);
        Map<Map<String, Object>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(Map.of("question", ""), "question must not be empty");
        cases.put(Map.of("question", "   \n "), "question must not be empty");
        cases.put(Map.of("question", longQuestion), "embedder");
        cases.put(Map.of("question", LEAVE_QUESTION, "strategy", "best"), "strategy must be single, hyde or flare");
        cases.put(Map.of("question", LEAVE_QUESTION, "strategy", "flare", "flare", Map.of("threshold", 1.5)),
                "flare.threshold must be in (0, 1)");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("maskBelow", 0)),
                "flare.maskBelow must be in (0, 1)");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("maxRetrievals", -1)),
                "flare.maxRetrievals must be between 0");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("documents", -2)),
                "flare.documents must be between 1");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("lookaheadTokens", 0)),
                "flare.lookaheadTokens must be between 1");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("query", "guess")),
                "flare.query must be masked or questions");
        cases.put(Map.of("question", LEAVE_QUESTION, "flare", Map.of("theta", 0.5)),
                "Unknown field 'flare.theta' (expected documents, lookaheadTokens, maskBelow, maxRetrievals, "
                        + "maxSearches, query, questionsPerSentence, threshold)");
        cases.put(Map.of("question", LEAVE_QUESTION, "generator", "gpt-5"), "generator may only be \"none\"");
        cases.put(Map.of("question", LEAVE_QUESTION, "topK", 0), "topK must be between 1");
        cases.put(Map.of("question", LEAVE_QUESTION, "rerank", "magic"), "rerank must be");
        cases.put(Map.of("question", LEAVE_QUESTION, "strategy", "hyde", "generator", "none"),
                "needs a generator");
        cases.forEach((body, expected) -> {
            Api.Response response = answer(body);
            assertThat(response.status()).as(body + " -> " + response.raw()).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.body().path("detail").asString()).as(body.toString()).contains(expected);
        });

        Api.Response unknown = admin().post("/api/v1/answer", Map.of("collection", "no-such-collection",
                "question", LEAVE_QUESTION));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("collection-not-found");

        String key = admin().post("/api/v1/keys", Map.of("name", "other-reader", "collections",
                List.of("answers-empty"), "permissions", List.of("read"))).body().path("key").asString();
        Api.Response hidden = as(key).post("/api/v1/answer", Map.of("collection", COLLECTION,
                "question", LEAVE_QUESTION));
        assertThat(hidden.status()).isEqualTo(404);
        SseClient.Stream streamed = sse().post("/api/v1/answer", Map.of("collection", COLLECTION, "question", " "));
        assertThat(streamed.status()).isEqualTo(400);
        assertThat(MODEL.requests()).hasSize(before);
    }

    @Test
    void answerEvaluationsScoreContainmentCitationsAndRefusalsPerConfiguration() {
        MODEL.answer(request -> "Staff earn 13 days [" + number(request.messages().get(0).content(), "leave.md")
                + "].");
        List<Map<String, Object>> questions = List.of(
                Map.of("id", "leave", "question", LEAVE_QUESTION, "answerContains", List.of("13 days"),
                        "relevant", List.of("leave")),
                Map.of("id", "triton", "question", "What is the orbital period of Neptune's moon Triton?",
                        "unanswerable", true));

        Api.Response response = admin().post("/api/v1/evaluations/answers", Map.of("collection", COLLECTION,
                "questions", questions, "details", true, "configurations", List.of(
                        Map.of("name", "extractive", "generator", "none"),
                        Map.of("name", "model", "strategy", "single"),
                        Map.of("name", "never refuse", "generator", "none", "minSupport", 0.0))));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        JsonNode results = response.body().path("results");
        assertThat(results).hasSize(3);
        for (int i = 0; i < 2; i++) {
            JsonNode metrics = results.get(i).path("metrics");
            assertThat(metrics.path("containsAll").asDouble()).as(results.get(i).toString()).isEqualTo(1.0);
            assertThat(metrics.path("citationValidity").asDouble()).isEqualTo(1.0);
            assertThat(metrics.path("citationPrecision").asDouble()).isEqualTo(1.0);
            assertThat(metrics.path("citationRecall").asDouble()).isEqualTo(1.0);
            assertThat(metrics.path("refusalPrecision").asDouble()).isEqualTo(1.0);
            assertThat(metrics.path("refusalRecall").asDouble()).isEqualTo(1.0);
            assertThat(metrics.path("answerableRefused").asDouble()).isEqualTo(0.0);
            assertThat(metrics.path("p50Ms").isNumber()).isTrue();
        }
        assertThat(results.get(0).path("configuration").path("generator").asString()).isEqualTo("none");
        assertThat(results.get(0).path("metrics").path("llmCallsPerAnswer").asDouble()).isEqualTo(0.0);
        assertThat(results.get(1).path("configuration").path("generator").asString()).isEqualTo("scripted:test");
        assertThat(results.get(1).path("metrics").path("llmCallsPerAnswer").asDouble()).isEqualTo(0.5);
        assertThat(results.get(2).path("metrics").path("refusalRecall").asDouble()).isEqualTo(0.0);
        JsonNode triton = results.get(0).path("answers").get(1);
        assertThat(triton.path("refused").asBoolean()).isTrue();
        assertThat(triton.path("support").asDouble()).isLessThan(0.35)
                .isLessThan(results.get(0).path("answers").get(0).path("support").asDouble());

        Api.Response empty = admin().post("/api/v1/evaluations/answers", Map.of("collection", COLLECTION,
                "questions", List.of()));
        assertThat(empty.status()).isEqualTo(400);
    }

    private Api.Response answer(Map<String, Object> body) {
        Map<String, Object> request = new HashMap<>(body);
        request.put("collection", COLLECTION);
        return admin().post("/api/v1/answer", request);
    }

    private SseClient sse() {
        return new SseClient(port, ADMIN_KEY, json);
    }

    private static final Pattern SOURCE = Pattern.compile("^\\[(\\d+)] .* \\(([^)]+)\\)$", Pattern.MULTILINE);

    static int number(String prompt, String source) {
        Matcher matcher = SOURCE.matcher(prompt);
        while (matcher.find()) {
            if (matcher.group(2).equals(source)) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        return 99;
    }

    private static List<String> sourcesInPromptOrder(String prompt) {
        List<String> sources = new ArrayList<>();
        Matcher matcher = SOURCE.matcher(prompt);
        int expected = 1;
        while (matcher.find()) {
            assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(expected++);
            sources.add(matcher.group(2));
        }
        return sources;
    }
}
