package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Answer evaluations past {@code max-synchronous-answers} are refused within a request with a pointer to
 * {@code "async":true}, which runs them as a job: {@code 202} with a Location, progress while it runs, then the same
 * results a synchronous evaluation gives, readable only by keys that may read the collection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = { "lore.generator=scripted", "lore.answers.evaluation.max-synchronous-answers=4",
        "lore.answers.evaluation.poll-interval=200ms" })
class AnswerEvaluationJobsApiTests extends IntegrationTest {

    private static final String COLLECTION = "answer-evaluation-jobs";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        admin().post("/api/v1/collections", Map.of("name", COLLECTION + "-other"));
        JsonNode status = admin().ingest(COLLECTION, Part.file("leave.md",
                "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of service they earn 20 "
                        + "days a year.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @BeforeEach
    void reset() {
        MODEL.answer(request -> "Staff earn 13 days [1].");
    }

    @Test
    void aLargeSynchronousEvaluationIsRefusedBeforeAnyAnswerAndPointsToAsync() {
        int before = MODEL.requests().size();

        Api.Response refused = admin().post("/api/v1/evaluations/answers", evaluation(3, 2, null));

        assertThat(refused.status()).as(refused.raw()).isEqualTo(413);
        assertThat(refused.body().path("detail").asString()).contains("6 answers", "\"async\":true",
                "lore.answers.evaluation.max-synchronous-answers");
        assertThat(MODEL.requests()).hasSize(before);
        assertThat(admin().post("/api/v1/evaluations/answers", evaluation(2, 2, false)).status()).isEqualTo(200);
    }

    @Test
    void anAsyncEvaluationRunsAsAJobWithProgressThenTheSynchronousResults() {
        int before = MODEL.requests().size();

        Api.Response accepted = admin().post("/api/v1/evaluations/answers", evaluation(3, 2, true));

        assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
        String location = accepted.header("Location");
        assertThat(location).startsWith("/api/v1/evaluations/answers/");
        assertThat(accepted.body().path("progress").path("answersTotal").asInt()).isEqualTo(6);
        assertThat(accepted.body().path("status").asString()).isIn("QUEUED", "RUNNING", "DONE");

        JsonNode[] done = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            done[0] = admin().get(location).body();
            return done[0].path("status").asString().equals("DONE");
        });
        JsonNode job = done[0];
        assertThat(job.path("progress").path("answersDone").asInt()).isEqualTo(6);
        assertThat(job.path("questions").asInt()).isEqualTo(3);
        assertThat(job.path("configurations").asInt()).isEqualTo(2);
        JsonNode result = job.path("result");
        assertThat(result.path("collection").asString()).isEqualTo(COLLECTION);
        assertThat(result.path("answerable").asInt()).isEqualTo(3);
        assertThat(result.path("results")).hasSize(2);
        assertThat(result.path("results").get(0).path("configuration").path("name").asString()).isEqualTo("c1");
        assertThat(result.path("results").get(1).path("metrics").path("answers").asInt()).isEqualTo(3);
        assertThat(result.path("results").get(1).path("metrics").path("containsAll").asDouble()).isEqualTo(1.0);
        // one model call per answer of the generating configuration; the extractive one calls none
        assertThat(MODEL.requests().size() - before).isEqualTo(3);

        String stranger = admin().post("/api/v1/keys", Map.of("name", "answer-evaluation-stranger", "collections",
                List.of(COLLECTION + "-other"), "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(stranger).get(location).status()).isEqualTo(404);
        assertThat(as(stranger).post("/api/v1/evaluations/answers", evaluation(1, 1, true)).status())
                .isEqualTo(404);
    }

    private static Map<String, Object> evaluation(int questions, int configurations, Boolean async) {
        List<Map<String, Object>> labelled = new ArrayList<>();
        for (int i = 0; i < questions; i++) {
            labelled.add(Map.of("id", "q" + i, "question", "How many days of annual leave do staff earn? (" + i + ")",
                    "answerContains", List.of("13 days")));
        }
        List<Map<String, Object>> configured = new ArrayList<>();
        for (int c = 0; c < configurations; c++) {
            configured.add(c == 0 ? Map.of("name", "c1", "generator", "none") : Map.of("name", "c" + (c + 1)));
        }
        Map<String, Object> body = new java.util.HashMap<>(Map.of("collection", COLLECTION, "questions", labelled,
                "configurations", configured));
        if (async != null) {
            body.put("async", async);
        }
        return body;
    }
}
