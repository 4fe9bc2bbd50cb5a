package dev.lore.retrieval.evaluation;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.PreDestroy;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.lore.documents.CollectionRef;
import dev.lore.jobs.EvaluationJobRunner;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.security.ApiKeys;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Evaluations run as jobs stored in PostgreSQL, claimed, beaten for and fenced by an {@link EvaluationJobRunner}: any
 * instance runs a queued job one configuration after another, searching as a reader of its collection. A job whose
 * submitting key is revoked stops at its next beat, FAILED with that reason.
 */
@Component
class EvaluationJobs {

    private static final TypeReference<List<EvaluationReport.Row>> ROWS = new TypeReference<>() {
    };

    enum Status {
        QUEUED, RUNNING, DONE, FAILED
    }

    /** What a job evaluates, as stored: the questions and the configurations, HyDE by name only. */
    record Request(List<StoredQuestion> questions, List<StoredConfiguration> configurations) {
    }

    record StoredQuestion(String id, String query, List<String> relevant) {
    }

    record StoredConfiguration(String name, String mode, boolean hyde, String rerank) {
    }

    record Job(UUID id, String collection, Status status, int questions, int configurations, int searchesTotal,
            int searchesDone, List<EvaluationReport.Row> rows, String error, Instant createdAt, Instant startedAt,
            Instant finishedAt) {
    }

    static final String REVOKED = EvaluationJobRunner.REVOKED;

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Evaluator evaluator;
    private final HydeQueryEmbedder hyde;
    private final EvaluationJobRunner<Request> runner;

    EvaluationJobs(JdbcClient jdbc, JsonMapper json, Clock clock, Evaluator evaluator, HydeQueryEmbedder hyde,
            EvaluationProperties properties, ApiKeys keys) {
        this.jdbc = jdbc;
        this.json = json;
        this.evaluator = evaluator;
        this.hyde = hyde;
        this.runner = new EvaluationJobRunner<>(jdbc, json, clock, keys,
                new EvaluationJobRunner.Table("evaluation_jobs", "searches_total", "searches_done", "rows"),
                "evaluation", Request.class, this::plan, properties.staleAfter(), properties.maxAttempts());
    }

    UUID submit(CollectionRef collection, String keyId, List<LabelledQuestion> questions,
            List<SearchConfiguration> configurations) {
        List<StoredQuestion> storedQuestions = questions.stream().map(q -> new StoredQuestion(q.id(), q.query(),
                List.copyOf(q.relevant()))).toList();
        List<StoredConfiguration> storedConfigurations = configurations.stream().map(c -> new StoredConfiguration(
                c.name(), c.mode().name(), c.hyde() != null, c.rerank().id())).toList();
        return runner.submit(collection.id(), keyId, new Request(storedQuestions, storedConfigurations),
                questions.size() * configurations.size());
    }

    Optional<Job> find(UUID id) {
        return jdbc.sql("""
                SELECT j.id, c.name, j.status, jsonb_array_length(j.request -> 'questions') AS questions,
                       jsonb_array_length(j.request -> 'configurations') AS configurations, j.searches_total,
                       j.searches_done, j.rows::text AS rows, j.error, j.created_at, j.started_at, j.finished_at
                FROM evaluation_jobs j JOIN collections c ON c.id = j.collection_id
                WHERE j.id = :id""")
                .param("id", id)
                .query((rs, n) -> new Job(rs.getObject("id", UUID.class), rs.getString("name"),
                        Status.valueOf(rs.getString("status")), rs.getInt("questions"), rs.getInt("configurations"),
                        rs.getInt("searches_total"), rs.getInt("searches_done"),
                        json.readValue(rs.getString("rows"), ROWS), rs.getString("error"),
                        instant(rs.getObject("created_at", OffsetDateTime.class)),
                        instant(rs.getObject("started_at", OffsetDateTime.class)),
                        instant(rs.getObject("finished_at", OffsetDateTime.class))))
                .optional();
    }

    /** Schedules one pass over the queued jobs unless one is waiting to start; also finds other instances' work. */
    @Scheduled(fixedDelayString = "${lore.retrieval.evaluation.poll-interval:2s}")
    void wake() {
        runner.wake();
    }

    /** Runs queued jobs, and jobs whose owner stopped beating, until none is left. */
    void runPending() {
        runner.runPending();
    }

    /**
     * Beats for the running job on a timer, so that one slow question (a reranker or HyDE model call) never lets the
     * claim lapse; and stops the job once the key that submitted it has been revoked.
     */
    @Scheduled(fixedDelayString = "${lore.retrieval.evaluation.heartbeat-interval:5s}")
    void heartbeat() {
        runner.heartbeat();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        runner.stop();
    }

    /** A job searches each question of one configuration after another, HyDE with this instance's defaults. */
    private EvaluationJobRunner.Plan plan(EvaluationJobRunner.Job<Request> job) {
        List<LabelledQuestion> questions = job.request().questions().stream().map(q -> new LabelledQuestion(q.id(),
                q.query(), new LinkedHashSet<>(q.relevant()))).toList();
        List<StoredConfiguration> configurations = job.request().configurations();
        return new EvaluationJobRunner.Plan(configurations.size(), questions.size(), (c, searched) -> evaluator
                .evaluate(job.collection(), questions, configuration(configurations.get(c)), searched));
    }

    private SearchConfiguration configuration(StoredConfiguration stored) {
        return new SearchConfiguration(stored.name(), SearchMode.valueOf(stored.mode()),
                stored.hyde() ? hyde.defaults() : null, RerankMode.parse(stored.rerank()));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
