package dev.lore.retrieval.evaluation;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

import dev.lore.documents.CollectionRef;
import dev.lore.jobs.Claims;
import dev.lore.jobs.CoalescingWorker;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.security.ApiKeys;
import dev.lore.security.Caller;
import dev.lore.security.Permission;
import dev.lore.web.LoreException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Evaluations run as jobs stored in PostgreSQL: any instance claims a queued job ({@code FOR UPDATE SKIP LOCKED}),
 * runs it one configuration after another, records progress, and beats on a timer; every write is fenced on the claim
 * token, so a job taken over from an instance that stopped beating is only ever written by its new owner. A job whose
 * submitting key is revoked stops at its next beat, FAILED with that reason.
 */
@Component
class EvaluationJobs {

    private static final Logger log = LoggerFactory.getLogger(EvaluationJobs.class);
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

    private record Claimed(UUID id, String collection, String keyId, Request request, UUID claim,
            List<EvaluationReport.Row> rows) {
    }

    /** The job this instance is running, for the timer's heartbeat; {@code revoked} once its key was found revoked. */
    private record Running(Claimed job, AtomicBoolean revoked) {
    }

    static final String REVOKED = "The key that submitted this evaluation has been revoked; the job stopped";

    /** Thrown when another instance has taken the job over: this one stops without writing. */
    private static final class ClaimLost extends RuntimeException {
        ClaimLost() {
            super(null, null, false, false);
        }
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final Evaluator evaluator;
    private final HydeQueryEmbedder hyde;
    private final EvaluationProperties properties;
    // one job at a time per instance: a job searches one question after another, beside the interactive load
    private final CoalescingWorker worker = new CoalescingWorker("evaluation-", this::runPending);
    private final Claims claims;
    private final ApiKeys keys;
    private volatile Running running;

    EvaluationJobs(JdbcClient jdbc, JsonMapper json, Clock clock, Evaluator evaluator, HydeQueryEmbedder hyde,
            EvaluationProperties properties, ApiKeys keys) {
        this.jdbc = jdbc;
        this.keys = keys;
        this.json = json;
        this.clock = clock;
        this.evaluator = evaluator;
        this.hyde = hyde;
        this.properties = properties;
        // a job handed back at shutdown does not count the try, as for ingestion items and re-embeddings: rolling
        // restarts alone must not use up its attempts
        this.claims = new Claims(jdbc, "evaluation_jobs", "claim", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", properties.staleAfter());
    }

    UUID submit(CollectionRef collection, String keyId, List<LabelledQuestion> questions,
            List<SearchConfiguration> configurations) {
        List<StoredQuestion> storedQuestions = questions.stream().map(q -> new StoredQuestion(q.id(), q.query(),
                List.copyOf(q.relevant()))).toList();
        List<StoredConfiguration> storedConfigurations = configurations.stream().map(c -> new StoredConfiguration(
                c.name(), c.mode().name(), c.hyde() != null, c.rerank().id())).toList();
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO evaluation_jobs (id, collection_id, key_id, request, status, searches_total, created_at)
                VALUES (:id, :collection, :key, CAST(:request AS jsonb), 'QUEUED', :total, :now)""")
                .param("id", id).param("collection", collection.id()).param("key", keyId)
                .param("request", json.writeValueAsString(new Request(storedQuestions, storedConfigurations)))
                .param("total", questions.size() * configurations.size()).param("now", now())
                .update();
        wake();
        return id;
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
        worker.wake();
    }

    /** Runs queued jobs, and jobs whose owner stopped beating, until none is left. */
    void runPending() {
        try {
            giveUpOnExhausted();
            Optional<Claimed> claimed;
            while (!worker.stopping() && (claimed = claim()).isPresent()) {
                run(claimed.get());
            }
        }
        catch (RuntimeException e) {
            log.error("Evaluation jobs could not be run now; they stay queued and are tried again", e);
        }
    }

    /**
     * Beats for the running job on a timer, so that one slow question (a reranker or HyDE model call) never lets the
     * claim lapse and another instance run the job twice; and stops the job, FAILED with the reason, once the key
     * that submitted it has been revoked, without waiting for that question to return.
     */
    @Scheduled(fixedDelayString = "${lore.retrieval.evaluation.heartbeat-interval:5s}")
    void heartbeat() {
        Running current = running;
        if (current == null) {
            return;
        }
        try {
            if (keys.isRevoked(current.job().keyId())) {
                current.revoked().set(true);
                fail(current.job(), REVOKED);
                return;
            }
        }
        catch (RuntimeException e) {
            log.warn("Could not check the key of evaluation job {}: {}", current.job().id(), e.getMessage());
        }
        claims.beat(Set.of(current.job().claim()));
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
    }

    private Optional<Claimed> claim() {
        return jdbc.sql("""
                UPDATE evaluation_jobs j SET status = 'RUNNING', %s, attempts = j.attempts + 1,
                    started_at = coalesce(j.started_at, :now)
                FROM collections c
                WHERE c.id = j.collection_id AND j.id = (
                    SELECT id FROM evaluation_jobs WHERE status = 'QUEUED' OR (%s AND attempts < :attempts)
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING j.id, c.name, j.key_id, j.request::text AS request, j.claim, j.rows::text AS rows"""
                .formatted(claims.take(), claims.lapsed()))
                .param("token", UUID.randomUUID()).param("now", now()).param("attempts", properties.maxAttempts())
                .query((rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getString("key_id"), json.readValue(rs.getString("request"), Request.class),
                        rs.getObject("claim", UUID.class), json.readValue(rs.getString("rows"), ROWS)))
                .optional();
    }

    private void giveUpOnExhausted() {
        jdbc.sql("""
                UPDATE evaluation_jobs SET status = 'FAILED', claim = NULL, finished_at = :now,
                    error = 'The evaluation was started ' || attempts || ' times and never finished'
                WHERE %s AND attempts >= :attempts""".formatted(claims.lapsed()))
                .param("now", now()).param("attempts", properties.maxAttempts()).update();
    }

    private void run(Claimed job) {
        List<LabelledQuestion> questions = job.request().questions().stream().map(q -> new LabelledQuestion(q.id(),
                q.query(), new LinkedHashSet<>(q.relevant()))).toList();
        List<StoredConfiguration> configurations = job.request().configurations();
        List<EvaluationReport.Row> rows = new ArrayList<>(job.rows());
        if (keys.isRevoked(job.keyId())) {
            fail(job, REVOKED);
            return;
        }
        Running current = new Running(job, new AtomicBoolean());
        running = current;
        SecurityContextHolder.setContext(readerOf(job));
        try {
            for (int c = rows.size(); c < configurations.size(); c++) {
                int before = c * questions.size();
                Instant[] lastBeat = { clock.instant() };
                EvaluationReport.Row row = evaluator.evaluate(job.collection(), questions,
                        configuration(configurations.get(c)), searched -> {
                            if (worker.stopping() || current.revoked().get()) {
                                throw new ClaimLost();
                            }
                            if (clock.instant().isAfter(lastBeat[0].plusSeconds(1))) {
                                beat(job, before + searched);
                                lastBeat[0] = clock.instant();
                            }
                        });
                rows.add(row);
                int done = (c + 1) * questions.size();
                held(claims.write(job.claim(), job.id(), "rows = CAST(:rows AS jsonb), searches_done = :done",
                        sql -> sql.param("rows", json.writeValueAsString(rows)).param("done", done)));
            }
            held(claims.finish(job.claim(), job.id(), "status = 'DONE', finished_at = :now",
                    sql -> sql.param("now", now())));
            log.info("Evaluation job {} on '{}' done", job.id(), job.collection());
        }
        catch (ClaimLost e) {
            if (current.revoked().get()) {
                log.info("Evaluation job {} stopped: the key that submitted it was revoked", job.id());
            }
            else if (worker.stopping()) {
                // handed back for another instance (or this one after a restart) to go on with
                claims.release(job.claim());
            }
            else {
                log.info("Evaluation job {} was taken over by another instance", job.id());
            }
        }
        catch (LoreException e) {
            fail(job, e.getMessage());
        }
        catch (IllegalArgumentException e) {
            fail(job, e.getMessage());
        }
        finally {
            running = null;
            SecurityContextHolder.clearContext();
        }
    }

    /**
     * The job searches as a reader of its collection only: the key that submitted it was checked then, and the job
     * may run later on another instance, where that request's caller is long gone.
     */
    private static SecurityContext readerOf(Claimed job) {
        Caller reader = new Caller(job.keyId() == null ? "evaluation-job" : job.keyId(), "evaluation job " + job.id(),
                false, Set.of(job.collection()), Set.of(Permission.READ));
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(reader, null, List.of()));
        return context;
    }

    private SearchConfiguration configuration(StoredConfiguration stored) {
        return new SearchConfiguration(stored.name(), SearchMode.valueOf(stored.mode()),
                stored.hyde() ? hyde.defaults() : null, RerankMode.parse(stored.rerank()));
    }

    private void beat(Claimed job, int done) {
        held(claims.write(job.claim(), job.id(), "searches_done = :done", sql -> sql.param("done", done)));
    }

    private void fail(Claimed job, String reason) {
        log.warn("Evaluation job {} FAILED: {}", job.id(), reason);
        claims.finish(job.claim(), job.id(), "status = 'FAILED', error = :error, finished_at = :now",
                sql -> sql.param("error", reason).param("now", now()));
    }

    /** Goes on after a fenced write only if it found the claim still this instance's. */
    private static void held(boolean written) {
        if (!written) {
            throw new ClaimLost();
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
