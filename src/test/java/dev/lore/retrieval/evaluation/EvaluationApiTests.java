package dev.lore.retrieval.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluationApiTests extends IntegrationTest {

    private static final String COLLECTION = "evaluation-tests";

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        assertThat(admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every pay period.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"),
                Part.file("travel.md", "# Travel\n\nBook train tickets through the travel portal a week ahead.\n"))
                .path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void scoresEachConfigurationOverTheLabelledQuestions() {
        Api.Response response = admin().post("/api/v1/evaluations", Map.of("collection", COLLECTION,
                "questions", List.of(
                        Map.of("query", "vacation days annual leave", "relevant", List.of("leave.md")),
                        Map.of("query", "laptop IT desk", "relevant", List.of("laptops.md")),
                        Map.of("query", "expense reports", "relevant", List.of("expenses.md"))),
                "configurations", List.of(Map.of("mode", "lexical"), Map.of("name", "fused", "mode", "hybrid"))));

        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(response.body().path("questions").asInt()).isEqualTo(3);
        JsonNode rows = response.body().path("configurations");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("name").asString()).isEqualTo("lexical");
        assertThat(rows.get(1).path("name").asString()).isEqualTo("fused");
        for (JsonNode row : rows) {
            assertThat(row.path("ndcgAt10").asDouble()).isCloseTo(2 / 3.0, offset(1e-4));
            assertThat(row.path("mrrAt10").asDouble()).isCloseTo(2 / 3.0, offset(1e-4));
            assertThat(row.path("recallAt100").asDouble()).isCloseTo(2 / 3.0, offset(1e-4));
            assertThat(row.path("p50Ms").asDouble()).isPositive();
        }
        assertThat(response.body().path("markdown").asString()).contains("| lexical | 0.6667 |");
    }

    @Test
    void acceptsBeirQueriesAndQrelsAndAnswersMarkdownWhenAskedTo() throws Exception {
        Map<String, Object> body = Map.of("collection", COLLECTION, "beir", Map.of(
                "queries", List.of(Map.of("_id", "q1", "text", "book train tickets"),
                        Map.of("_id", "q2", "text", "unjudged question")),
                "qrels", Map.of("q1", Map.of("travel", 1, "leave", 0))),
                "configurations", List.of(Map.of("mode", "dense")));
        HttpResponse<String> markdown = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/evaluations"))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .header("Accept", "text/markdown").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(markdown.statusCode()).isEqualTo(200);
        assertThat(markdown.headers().firstValue("Content-Type").orElse("")).startsWith("text/markdown");
        assertThat(markdown.body()).startsWith("| configuration | nDCG@10").contains("| dense | 1.0000 |");
    }

    @Test
    void aConfigurationNeedingAModelThatIsNotConfiguredIsReportedAndTheOthersRun() {
        Api.Response response = admin().post("/api/v1/evaluations", Map.of("collection", COLLECTION,
                "questions", List.of(Map.of("query", "vacation days annual leave", "relevant", List.of("leave.md"))),
                "configurations", List.of(Map.of("mode", "lexical"), Map.of("mode", "hybrid"),
                        Map.of("mode", "hybrid", "rerank", "cross-encoder"))));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        assertThat(response.body().path("configurations")).hasSize(2);
        JsonNode skipped = response.body().path("unavailable");
        assertThat(skipped).hasSize(1);
        assertThat(skipped.get(0).path("reason").asString()).contains("cross-encoder");
        assertThat(response.body().path("markdown").asString()).contains("not run:");
    }

    @Test
    void refusesEvaluationsItCannotRun() {
        assertProblem(Map.of("collection", COLLECTION), 400, "invalid-request");
        assertProblem(Map.of("collection", COLLECTION, "questions", List.of(Map.of("query", "x"))), 400,
                "invalid-request");
        assertProblem(Map.of("collection", COLLECTION, "questions",
                List.of(Map.of("query", "x", "relevant", List.of("a.md"))), "configurations",
                List.of(Map.of("mode", "sideways"))), 400, "invalid-request");
        assertProblem(Map.of("collection", COLLECTION, "questions",
                List.of(Map.of("query", "x", "relevant", List.of("a.md"))), "configurations",
                List.of(Map.of("mode", "hybrid", "rerank", "cross-encoder"))), 400, "reranker-unavailable");
        assertProblem(Map.of("collection", "absent", "questions",
                List.of(Map.of("query", "x", "relevant", List.of("a.md")))), 404, "collection-not-found");
    }

    private void assertProblem(Map<String, Object> body, int status, String type) {
        Api.Response response = admin().post("/api/v1/evaluations", new HashMap<>(body));
        assertThat(response.status()).as(response.raw()).isEqualTo(status);
        assertThat(response.problemType()).isEqualTo(type);
    }
}
