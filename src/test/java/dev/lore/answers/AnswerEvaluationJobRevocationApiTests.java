package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import dev.lore.jobs.EvaluationJobRunner;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;

/**
 * An answer evaluation job whose submitting key is revoked stops at its next beat, FAILED with the reason, while an
 * answer is still being generated, as a search evaluation job does; and writes nothing once that answer returns.
 */
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = { "lore.generator=scripted", "lore.answers.evaluation.heartbeat-interval=200ms",
        "lore.answers.evaluation.poll-interval=200ms" })
class AnswerEvaluationJobRevocationApiTests extends IntegrationTest {

    private static final String COLLECTION = "answer-evaluation-revocation";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;

    @Autowired
    JdbcClient jdbc;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void letGo() {
        release.countDown();
        MODEL.answer(request -> "");
    }

    @Test
    void aRevokedKeyStopsTheJobAtItsNextBeatWhileAnAnswerIsStillRunning() throws InterruptedException {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        assertThat(admin().ingest(COLLECTION, Part.file("leave.md",
                "# Leave\n\nStaff earn 13 days of annual leave a year.\n")).path("status").asString())
                .isEqualTo("DONE");
        Api.Response minted = admin().post("/api/v1/keys", Map.of("name", "answer-evaluation-revocation",
                "collections", List.of(COLLECTION), "permissions", List.of("read")));
        String keyId = minted.body().path("id").asString();
        // one slow answer: the model returns when the test says
        MODEL.answer(request -> {
            started.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "Staff earn 13 days [1].";
        });

        Api.Response submitted = as(minted.body().path("key").asString()).post("/api/v1/evaluations/answers",
                Map.of("collection", COLLECTION, "async", true, "questions", List.of(Map.of("id", "q1",
                        "question", "How many days of annual leave do staff earn?", "answerContains",
                        List.of("13 days"))), "configurations", List.of(Map.of("name", "c1"))));
        assertThat(submitted.status()).as(submitted.raw()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.body().path("id").asString());
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(admin().delete("/api/v1/keys/" + keyId).status()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jdbc.sql(
                "SELECT status || ': ' || coalesce(error, '') FROM answer_evaluation_jobs WHERE id = :id")
                .param("id", id).query(String.class).single()).isEqualTo("FAILED: " + EvaluationJobRunner.REVOKED));
        assertThat(release.getCount()).as("the slow answer is still running").isEqualTo(1);

        release.countDown();
        Thread.sleep(1000);
        assertThat(jdbc.sql("""
                SELECT status || ' ' || answers_done || ' ' || jsonb_array_length(results)
                FROM answer_evaluation_jobs WHERE id = :id""").param("id", id).query(String.class).single())
                .isEqualTo("FAILED 0 0");
    }
}
