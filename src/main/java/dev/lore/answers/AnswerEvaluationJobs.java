package dev.lore.answers;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.PreDestroy;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.lore.documents.CollectionRef;
import dev.lore.jobs.EvaluationJobRunner;
import dev.lore.security.ApiKeys;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answer evaluations run as jobs stored in PostgreSQL, claimed, beaten for and fenced by an {@link EvaluationJobRunner}
 * as search evaluations are: any instance runs a queued job one configuration after another, answering as a reader of
 * its collection and keeping each finished configuration's result. The heartbeat is beaten on a timer, not per answer,
 * so one slow answer does not let another instance take a live job over; a job whose submitting key is revoked stops
 * at its next beat, FAILED with that reason.
 */
@Component
class AnswerEvaluationJobs {

    private static final TypeReference<List<JsonNode>> RESULTS = new TypeReference<>() {
    };

    enum Status {
        QUEUED, RUNNING, DONE, FAILED
    }

    record Job(UUID id, String collection, Status status, int questions, int answerable, int configurations,
            int answersTotal,
            int answersDone, List<JsonNode> results, String error, Instant createdAt, Instant startedAt,
            Instant finishedAt) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final AnswerEvaluations evaluations;
    private final EvaluationJobRunner<AnswerEvaluations.EvaluationBody> runner;

    AnswerEvaluationJobs(JdbcClient jdbc, JsonMapper json, Clock clock, AnswerEvaluations evaluations,
            AnswerEvaluationProperties properties, ApiKeys keys) {
        this.jdbc = jdbc;
        this.json = json;
        this.evaluations = evaluations;
        this.runner = new EvaluationJobRunner<>(jdbc, json, clock, keys,
                new EvaluationJobRunner.Table("answer_evaluation_jobs", "answers_total", "answers_done", "results"),
                "answer evaluation", AnswerEvaluations.EvaluationBody.class, this::plan, properties.staleAfter(),
                properties.maxAttempts());
    }

    UUID submit(CollectionRef collection, String keyId, AnswerEvaluations.Checked evaluation) {
        return runner.submit(collection.id(), keyId, evaluation.body(), evaluation.answers());
    }

    Optional<Job> find(UUID id) {
        return jdbc.sql("""
                SELECT j.id, c.name, j.status, jsonb_array_length(j.request -> 'questions') AS questions,
                       (SELECT count(*) FROM jsonb_array_elements(j.request -> 'questions') q
                        WHERE q ->> 'unanswerable' IS DISTINCT FROM 'true') AS answerable,
                       j.answers_total, j.answers_done, j.results::text AS results, j.error, j.created_at,
                       j.started_at, j.finished_at
                FROM answer_evaluation_jobs j JOIN collections c ON c.id = j.collection_id
                WHERE j.id = :id""")
                .param("id", id)
                .query((rs, n) -> {
                    int questions = rs.getInt("questions");
                    int total = rs.getInt("answers_total");
                    return new Job(rs.getObject("id", UUID.class), rs.getString("name"),
                            Status.valueOf(rs.getString("status")), questions, rs.getInt("answerable"),
                            questions == 0 ? 0 : total / questions,
                            total, rs.getInt("answers_done"), json.readValue(rs.getString("results"), RESULTS),
                            rs.getString("error"), instant(rs.getObject("created_at", OffsetDateTime.class)),
                            instant(rs.getObject("started_at", OffsetDateTime.class)),
                            instant(rs.getObject("finished_at", OffsetDateTime.class)));
                })
                .optional();
    }

    /** Schedules one pass over the queued jobs unless one is waiting to start; also finds other instances' work. */
    @Scheduled(fixedDelayString = "${lore.answers.evaluation.poll-interval:2s}")
    void wake() {
        runner.wake();
    }

    /**
     * Keeps this instance's running job alive however long an answer takes, and stops it once the key that submitted
     * it has been revoked.
     */
    @Scheduled(fixedDelayString = "${lore.answers.evaluation.heartbeat-interval:10s}")
    void beat() {
        runner.heartbeat();
    }

    /** Runs queued jobs, and jobs whose owner stopped beating, until none is left. */
    void runPending() {
        runner.runPending();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        runner.stop();
    }

    /** A job answers each question of one configuration after another, as a synchronous evaluation does. */
    private EvaluationJobRunner.Plan plan(EvaluationJobRunner.Job<AnswerEvaluations.EvaluationBody> job) {
        AnswerEvaluations.Checked evaluation = evaluations.check(job.request());
        return new EvaluationJobRunner.Plan(evaluation.configurations().size(), evaluation.questions().size(),
                (c, answered) -> evaluations.evaluate(evaluation, c, answered));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
