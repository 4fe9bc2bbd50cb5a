package dev.lore.retrieval.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;

/**
 * An evaluation job beats on a timer, not between questions: a question that takes longer than the claim's
 * {@code stale-after} keeps its claim; and a job whose key is revoked stops at its next beat, FAILED with the reason,
 * while that question is still running.
 */
@TestPropertySource(properties = { "lore.retrieval.evaluation.heartbeat-interval=200ms",
        "lore.retrieval.evaluation.stale-after=2s" })
class EvaluationJobHeartbeatApiTests extends IntegrationTest {

    private static final String COLLECTION = "evaluation-heartbeat";

    @MockitoSpyBean
    Evaluator evaluator;

    @Autowired
    JdbcClient jdbc;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void letGo() {
        release.countDown();
    }

    @Test
    void aSlowQuestionKeepsItsClaimAndARevokedKeyStopsTheJobAtItsNextBeat() throws InterruptedException {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        assertThat(admin().ingest(COLLECTION, Part.file("leave.md", "# Leave\n\nStaff earn vacation days.\n"))
                .path("status").asString()).isEqualTo("DONE");
        Api.Response minted = admin().post("/api/v1/keys", Map.of("name", "evaluation-heartbeat", "collections",
                List.of(COLLECTION), "permissions", List.of("read")));
        String keyId = minted.body().path("id").asString();
        // the first configuration's questions take as long as the test says: one slow question
        doAnswer(invocation -> {
            started.countDown();
            release.await(60, TimeUnit.SECONDS);
            return invocation.callRealMethod();
        }).when(evaluator).evaluate(anyString(), anyList(), any(SearchConfiguration.class), any(IntConsumer.class));

        Api.Response submitted = as(minted.body().path("key").asString()).post("/api/v1/evaluations", Map.of(
                "collection", COLLECTION, "async", true, "questions", List.of(Map.of("query", "vacation days",
                        "relevant", List.of("leave.md")))));
        assertThat(submitted.status()).as(submitted.raw()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.body().path("id").asString());
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

        // longer than stale-after (2 s) inside one question: the timer kept the heartbeat fresh
        Thread.sleep(3000);
        assertThat(jdbc.sql("""
                SELECT status = 'RUNNING' AND attempts = 1 AND heartbeat_at > clock_timestamp() - interval '1 second'
                FROM evaluation_jobs WHERE id = :id""").param("id", id).query(Boolean.class).single()).isTrue();

        assertThat(admin().delete("/api/v1/keys/" + keyId).status()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jdbc.sql(
                "SELECT status || ': ' || coalesce(error, '') FROM evaluation_jobs WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo("FAILED: " + EvaluationJobs.REVOKED));
        assertThat(release.getCount()).as("the slow question is still running").isEqualTo(1);

        release.countDown();
        Thread.sleep(1000);
        assertThat(admin().get("/api/v1/evaluations/" + id).body().path("status").asString()).isEqualTo("FAILED");
    }
}
