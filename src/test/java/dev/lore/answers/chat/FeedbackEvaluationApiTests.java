package dev.lore.answers.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rated chat answers exported as labelled questions ({@code GET /api/v1/chat/feedback?format=questions}) and fed,
 * once a person has filled in the expected strings, into {@code POST /api/v1/evaluations/answers}; a configuration
 * that needs a generator this instance lacks is reported as not run while the others run. No model: the chat
 * answers are extractive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeedbackEvaluationApiTests extends IntegrationTest {

    private static final String COLLECTION = "feedback-loop";

    private String downMessage;

    @BeforeAll
    void askAndRate() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        admin().post("/api/v1/collections", Map.of("name", "feedback-other"));
        assertThat(admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"))
                .path("status").asString()).isEqualTo("DONE");
        admin().ingest("feedback-other", Part.file("parking.md", "# Parking\n\nParking is free for staff.\n"));

        downMessage = askAndRate(COLLECTION, "How many days of annual leave do staff earn?", "down",
                "It is 25 days since 2026");
        askAndRate(COLLECTION, "Who hands out laptops?", "up", null);
        askAndRate("feedback-other", "Is parking free?", "down", "Only on weekends");
    }

    @Test
    void ratedAnswersBecomeAnAnswerEvaluationOfTheirCollection() {
        Api.Response exported = admin().get("/api/v1/chat/feedback?format=questions&collection=" + COLLECTION
                + "&rating=down");
        assertThat(exported.status()).as(exported.raw()).isEqualTo(200);
        ObjectNode body = (ObjectNode) exported.body();
        assertThat(body.path("collection").asString()).isEqualTo(COLLECTION);
        ArrayNode questions = (ArrayNode) body.path("questions");
        assertThat(questions).hasSize(1);
        JsonNode stub = questions.get(0);
        assertThat(stub.path("id").asString()).isEqualTo("feedback-" + downMessage);
        assertThat(stub.path("question").asString()).isEqualTo("How many days of annual leave do staff earn?");
        assertThat(stub.path("relevant").valueStream().map(JsonNode::asString)).containsExactly("leave.md");
        assertThat(stub.path("answerContains")).isEmpty();
        assertThat(stub.path("feedback").path("rating").asString()).isEqualTo("down");
        assertThat(stub.path("feedback").path("comment").asString()).isEqualTo("It is 25 days since 2026");
        assertThat(stub.path("feedback").path("answer").asString()).contains("13 days");

        // what a person does with the stub: say what a right answer holds
        ((ObjectNode) stub).putArray("answerContains").add("13 days");
        body.putArray("configurations").add(json.createObjectNode().put("name", "extractive")
                .put("generator", "none")).add(json.createObjectNode().put("name", "flare").put("strategy", "flare"));

        Api.Response evaluated = admin().post("/api/v1/evaluations/answers", body.toString());
        assertThat(evaluated.status()).as(evaluated.raw()).isEqualTo(200);
        JsonNode report = evaluated.body();
        assertThat(report.path("questions").asInt()).isEqualTo(1);
        JsonNode extractive = report.path("results").get(0);
        assertThat(extractive.path("configuration").path("name").asString()).isEqualTo("extractive");
        assertThat(extractive.path("metrics").path("answers").asInt()).isEqualTo(1);
        assertThat(extractive.path("metrics").path("containsAll").asDouble()).isEqualTo(1.0);
        assertThat(extractive.path("metrics").path("citationPrecision").asDouble()).isEqualTo(1.0);
        JsonNode flare = report.path("results").get(1);
        assertThat(flare.path("configuration").path("name").asString()).isEqualTo("flare");
        assertThat(flare.path("notRun").asString()).contains("needs a generator");
        assertThat(flare.has("metrics")).isFalse();
        assertThat(report.path("unavailable").get(0).path("name").asString()).isEqualTo("flare");
    }

    @Test
    void anEvaluationRunAsAJobReportsTheConfigurationNotRunToo() {
        ObjectNode body = (ObjectNode) admin().get("/api/v1/chat/feedback?format=questions&collection="
                + COLLECTION).body();
        assertThat(body.path("questions")).hasSize(2);
        body.put("async", true);
        body.putArray("configurations").add(json.createObjectNode().put("name", "hyde").put("strategy", "hyde"))
                .add(json.createObjectNode().put("name", "extractive").put("generator", "none"));
        Api.Response accepted = admin().post("/api/v1/evaluations/answers", body.toString());
        assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
        String location = accepted.header("Location");
        JsonNode[] job = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            job[0] = admin().get(location).body();
            return List.of("DONE", "FAILED").contains(job[0].path("status").asString());
        });
        assertThat(job[0].path("status").asString()).as(job[0].toString()).isEqualTo("DONE");
        JsonNode result = job[0].path("result");
        assertThat(result.path("results").get(0).path("notRun").asString()).contains("needs a generator");
        assertThat(result.path("results").get(1).path("metrics").path("answers").asInt()).isEqualTo(2);
        assertThat(result.path("unavailable").get(0).path("name").asString()).isEqualTo("hyde");
    }

    @Test
    void anEvaluationNothingOfWhichCanRunIsRefused() {
        Api.Response refused = admin().post("/api/v1/evaluations/answers", Map.of("collection", COLLECTION,
                "questions", List.of(Map.of("question", "How many days of annual leave?")),
                "configurations", List.of(Map.of("name", "flare", "strategy", "flare"))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.problemType()).isEqualTo("generator-unavailable");
    }

    @Test
    void theExportNeedsACollectionAndAnAdministrator() {
        Api.Response noCollection = admin().get("/api/v1/chat/feedback?format=questions");
        assertThat(noCollection.status()).isEqualTo(400);
        assertThat(noCollection.body().path("detail").asString()).contains("collection=<name>");
        assertThat(admin().get("/api/v1/chat/feedback?format=csv").status()).isEqualTo(400);
        String reader = admin().post("/api/v1/keys", Map.of("name", "feedback-reader", "collections",
                List.of(COLLECTION), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(reader).get("/api/v1/chat/feedback?format=questions&collection=" + COLLECTION).status())
                .isEqualTo(403);
        Api.Response other = admin().get("/api/v1/chat/feedback?format=questions&collection=feedback-other");
        assertThat(other.body().path("questions").valueStream().map(q -> q.path("question").asString()))
                .containsExactly("Is parking free?");
    }

    private String askAndRate(String collection, String question, String rating, String comment) {
        Api.Response answered = admin().post("/api/v1/chat", Map.of("collection", collection, "message", question));
        assertThat(answered.status()).as(answered.raw()).isEqualTo(200);
        String session = answered.body().path("sessionId").asString();
        String message = answered.body().path("messageId").asString();
        Map<String, Object> feedback = comment == null ? Map.of("rating", rating)
                : Map.of("rating", rating, "comment", comment);
        Api.Response rated = admin().post("/api/v1/chat/" + session + "/messages/" + message + "/feedback",
                feedback);
        assertThat(rated.status()).as(rated.raw()).isEqualTo(204);
        return message;
    }
}
