package dev.lore.retrieval.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Evaluations and reranking have limits that name their settings; an evaluation over the synchronous limit (or sent
 * with {@code "async":true}) runs as a job in PostgreSQL that only readers of its collection can see, and that
 * another instance takes over, from its next configuration, once its owner stops beating.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = { "lore.retrieval.evaluation.max-synchronous-searches=4",
        "lore.retrieval.evaluation.max-searches=40", "lore.retrieval.evaluation.max-questions=12",
        "lore.retrieval.evaluation.max-configurations=4", "lore.retrieval.rerank.max-documents=3",
        "lore.retrieval.rerank.max-document-chars=50" })
class EvaluationJobsApiTests extends IntegrationTest {

    private static final String COLLECTION = "evaluation-jobs";
    private static final String OTHER = "evaluation-jobs-other";

    @Autowired
    EvaluationJobs jobs;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        admin().post("/api/v1/collections", Map.of("name", OTHER));
        assertThat(admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every pay period.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n"),
                Part.file("travel.md", "# Travel\n\nBook train tickets through the travel portal a week ahead.\n"))
                .path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void aLargeEvaluationRunsAsAJobWithProgressAndTheSameResult() {
        Api.Response submitted = admin().post("/api/v1/evaluations", evaluation(threeQuestions(),
                List.of(Map.of("mode", "lexical"), Map.of("name", "fused", "mode", "hybrid"))));

        assertThat(submitted.status()).as(submitted.raw()).isEqualTo(202);
        String id = submitted.body().path("id").asString();
        assertThat(submitted.header("Location")).isEqualTo("/api/v1/evaluations/" + id);
        assertThat(submitted.body().path("progress").path("searchesTotal").asInt()).isEqualTo(6);
        JsonNode job = awaitJob(admin(), id);
        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("DONE");
        assertThat(job.path("progress").path("searchesDone").asInt()).isEqualTo(6);
        JsonNode rows = job.path("result").path("configurations");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1).path("name").asString()).isEqualTo("fused");
        for (JsonNode row : rows) {
            assertThat(row.path("ndcgAt10").asDouble()).isCloseTo(2 / 3.0, offset(1e-4));
        }
        assertThat(job.path("result").path("markdown").asString()).contains("| lexical | 0.6667 |");
    }

    @Test
    void aSmallEvaluationStaysSynchronousUnlessAskedToRunAsAJob() {
        Map<String, Object> small = evaluation(threeQuestions().subList(0, 1), List.of(Map.of("mode", "lexical")));
        Api.Response answered = admin().post("/api/v1/evaluations", small);
        assertThat(answered.status()).as(answered.raw()).isEqualTo(200);
        assertThat(answered.body().path("configurations").get(0).path("ndcgAt10").asDouble()).isEqualTo(1.0);

        small.put("async", true);
        Api.Response job = admin().post("/api/v1/evaluations", small);
        assertThat(job.status()).as(job.raw()).isEqualTo(202);
        assertThat(awaitJob(admin(), job.body().path("id").asString()).path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void refusesWorkOverItsLimitsNamingTheSetting() {
        Map<String, Object> tooBigForARequest = evaluation(threeQuestions(),
                List.of(Map.of("mode", "lexical"), Map.of("mode", "dense")));
        tooBigForARequest.put("async", false);
        assertTooLarge(admin().post("/api/v1/evaluations", tooBigForARequest),
                "lore.retrieval.evaluation.max-synchronous-searches");
        assertTooLarge(admin().post("/api/v1/evaluations", evaluation(questions(13), List.of(Map.of("mode",
                "lexical")))), "lore.retrieval.evaluation.max-questions");
        assertTooLarge(admin().post("/api/v1/evaluations", evaluation(questions(2), Collections.nCopies(5,
                Map.of("mode", "lexical")))), "lore.retrieval.evaluation.max-configurations");
        assertTooLarge(admin().post("/api/v1/evaluations", evaluation(questions(11), Collections.nCopies(4,
                Map.of("mode", "lexical")))), "lore.retrieval.evaluation.max-searches");
        assertTooLarge(admin().post("/api/v1/rerank", Map.of("query", "q", "documents", List.of("a", "b", "c",
                "d"))), "lore.retrieval.rerank.max-documents");
        assertTooLarge(admin().post("/api/v1/rerank", Map.of("query", "q", "documents", List.of("x".repeat(51)))),
                "lore.retrieval.rerank.max-document-chars");
    }

    @Test
    void onlyReadersOfItsCollectionSeeAJob() {
        String reader = key("evaluation-reader", COLLECTION, "read");
        String writer = key("evaluation-writer", COLLECTION, "write");
        String stranger = key("evaluation-stranger", OTHER, "read");
        Map<String, Object> body = evaluation(threeQuestions().subList(0, 1), List.of(Map.of("mode", "lexical")));
        body.put("async", true);
        String id = as(reader).post("/api/v1/evaluations", body).body().path("id").asString();

        assertThat(awaitJob(admin(), id).path("status").asString()).isEqualTo("DONE");
        assertThat(as(reader).get("/api/v1/evaluations/" + id).status()).isEqualTo(200);
        Api.Response unknown = as(reader).get("/api/v1/evaluations/" + UUID.randomUUID());
        for (String key : List.of(writer, stranger)) {
            Api.Response hidden = as(key).get("/api/v1/evaluations/" + id);
            assertThat(hidden.status()).isEqualTo(404);
            assertThat(hidden.body().path("type")).isEqualTo(unknown.body().path("type"));
            assertThat(hidden.body().path("title")).isEqualTo(unknown.body().path("title"));
            assertThat(hidden.raw()).doesNotContain(COLLECTION);
        }
        assertThat(unknown.problemType()).isEqualTo("evaluation-not-found");
        Api.Response strangerSubmits = as(stranger).post("/api/v1/evaluations", Map.of("collection", COLLECTION,
                "questions", threeQuestions(), "async", true));
        assertThat(strangerSubmits.status()).isEqualTo(404);
    }

    @Test
    void anotherInstanceTakesOverAJobWhoseOwnerStoppedBeatingAndGoesOnFromItsNextConfiguration() {
        EvaluationReport.Row doneByTheDeadOwner = new EvaluationReport.Row("lexical", "lexical", false, "none",
                0.1234, 0.1234, 0.1234, 0.1234, 1.0, 1.0);
        UUID id = runningElsewhere(List.of(doneByTheDeadOwner), OffsetDateTime.now());

        jobs.runPending();
        assertThat(jdbc.sql("SELECT status FROM evaluation_jobs WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo("RUNNING");

        jdbc.sql("UPDATE evaluation_jobs SET heartbeat_at = now() - interval '2 minutes' WHERE id = :id")
                .param("id", id).update();
        jobs.runPending();
        JsonNode job = awaitJob(admin(), id.toString());
        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("DONE");
        JsonNode rows = job.path("result").path("configurations");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("ndcgAt10").asDouble()).isEqualTo(0.1234);
        assertThat(rows.get(1).path("name").asString()).isEqualTo("hybrid");
        assertThat(rows.get(1).path("ndcgAt10").asDouble()).isCloseTo(2 / 3.0, offset(1e-4));
    }

    /** A job another instance claimed and last beat for at {@code heartbeat}, having finished {@code rows}. */
    private UUID runningElsewhere(List<EvaluationReport.Row> rows, OffsetDateTime heartbeat) {
        List<EvaluationJobs.StoredQuestion> questions = new ArrayList<>();
        for (Map<String, Object> question : threeQuestions()) {
            @SuppressWarnings("unchecked")
            List<String> relevant = (List<String>) question.get("relevant");
            questions.add(new EvaluationJobs.StoredQuestion(null, (String) question.get("query"), relevant));
        }
        EvaluationJobs.Request request = new EvaluationJobs.Request(questions, List.of(
                new EvaluationJobs.StoredConfiguration("lexical", "LEXICAL", false, "none"),
                new EvaluationJobs.StoredConfiguration("hybrid", "HYBRID", false, "none")));
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO evaluation_jobs (id, collection_id, request, status, searches_total, searches_done, rows,
                                             claim, heartbeat_at, attempts, created_at, started_at)
                SELECT :id, c.id, CAST(:request AS jsonb), 'RUNNING', 6, 3, CAST(:rows AS jsonb), :claim, :beat, 1,
                       :beat, :beat
                FROM collections c WHERE c.name = :collection""")
                .param("id", id).param("request", json.writeValueAsString(request))
                .param("rows", json.writeValueAsString(rows)).param("claim", UUID.randomUUID())
                .param("beat", heartbeat).param("collection", COLLECTION).update();
        return id;
    }

    private String key(String name, String collection, String permission) {
        return admin().post("/api/v1/keys", Map.of("name", name, "collections", List.of(collection), "permissions",
                List.of(permission))).body().path("key").asString();
    }

    private static JsonNode awaitJob(Api api, String id) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = api.get("/api/v1/evaluations/" + id).body();
            String status = last[0].path("status").asString("");
            return status.equals("DONE") || status.equals("FAILED");
        });
        return last[0];
    }

    private static void assertTooLarge(Api.Response response, String setting) {
        assertThat(response.status()).as(response.raw()).isEqualTo(413);
        assertThat(response.problemType()).isEqualTo("payload-too-large");
        assertThat(response.body().path("detail").asString()).contains(setting);
    }

    private static Map<String, Object> evaluation(List<Map<String, Object>> questions,
            List<Map<String, String>> configurations) {
        return new HashMap<>(Map.of("collection", COLLECTION, "questions", questions, "configurations",
                configurations));
    }

    private static List<Map<String, Object>> threeQuestions() {
        return List.of(Map.of("query", "vacation days annual leave", "relevant", List.of("leave.md")),
                Map.of("query", "laptop IT desk", "relevant", List.of("laptops.md")),
                Map.of("query", "expense reports", "relevant", List.of("expenses.md")));
    }

    private static List<Map<String, Object>> questions(int n) {
        List<Map<String, Object>> questions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            questions.add(Map.of("query", "vacation " + i, "relevant", List.of("leave.md")));
        }
        return questions;
    }
}
