package dev.lore.answers;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

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
import dev.lore.security.Caller;
import dev.lore.security.Permission;
import dev.lore.web.LoreException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answer evaluations run as jobs stored in PostgreSQL, as search evaluations do: any instance claims a queued job
 * ({@code FOR UPDATE SKIP LOCKED}) and runs it one configuration after another, keeping each finished configuration's
 * result; every write is fenced on the claim token. The heartbeat is beaten on a timer, not per answer, so one slow
 * answer does not let another instance take a live job over.
 */
@Component
class AnswerEvaluationJobs {

    private static final Logger log = LoggerFactory.getLogger(AnswerEvaluationJobs.class);
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

    private record Claimed(UUID id, String collection, String keyId, AnswerEvaluations.EvaluationBody request,
            UUID claim, List<JsonNode> results) {
    }

    /** Thrown when another instance has taken the job over, or this one is stopping: it stops without writing. */
    private static final class ClaimLost extends RuntimeException {
        ClaimLost() {
            super(null, null, false, false);
        }
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final AnswerEvaluations evaluations;
    private final AnswerEvaluationProperties properties;
    // one job at a time per instance: a job answers one question after another, beside the interactive load
    private final CoalescingWorker worker = new CoalescingWorker("answer-evaluation-", this::runPending);
    private final Claims claims;
    /** The claims this instance holds now, and whether the heartbeat found each lost. */
    private final Map<UUID, Boolean> held = new ConcurrentHashMap<>();

    AnswerEvaluationJobs(JdbcClient jdbc, JsonMapper json, Clock clock, AnswerEvaluations evaluations,
            AnswerEvaluationProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
        this.evaluations = evaluations;
        this.properties = properties;
        // a job handed back at shutdown does not count the try: rolling restarts alone must not use up its attempts
        this.claims = new Claims(jdbc, "answer_evaluation_jobs", "claim", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", properties.staleAfter());
    }

    UUID submit(CollectionRef collection, String keyId, AnswerEvaluations.Checked evaluation) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO answer_evaluation_jobs (id, collection_id, key_id, request, status, answers_total,
                                                    created_at)
                VALUES (:id, :collection, :key, CAST(:request AS jsonb), 'QUEUED', :total, :now)""")
                .param("id", id).param("collection", collection.id()).param("key", keyId)
                .param("request", json.writeValueAsString(evaluation.body()))
                .param("total", evaluation.answers()).param("now", now())
                .update();
        wake();
        return id;
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
        worker.wake();
    }

    /** Keeps this instance's running jobs alive however long an answer takes, and notes those lost meanwhile. */
    @Scheduled(fixedDelayString = "${lore.answers.evaluation.heartbeat-interval:10s}")
    void beat() {
        for (UUID lost : claims.beat(held.keySet())) {
            held.replace(lost, true);
        }
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
            log.error("Answer evaluation jobs could not be run now; they stay queued and are tried again", e);
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
    }

    private Optional<Claimed> claim() {
        return jdbc.sql("""
                UPDATE answer_evaluation_jobs j SET status = 'RUNNING', %s, attempts = j.attempts + 1,
                    started_at = coalesce(j.started_at, :now)
                FROM collections c
                WHERE c.id = j.collection_id AND j.id = (
                    SELECT id FROM answer_evaluation_jobs WHERE status = 'QUEUED' OR (%s AND attempts < :attempts)
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING j.id, c.name, j.key_id, j.request::text AS request, j.claim, j.results::text AS results"""
                .formatted(claims.take(), claims.lapsed()))
                .param("token", UUID.randomUUID()).param("now", now()).param("attempts", properties.maxAttempts())
                .query((rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getString("key_id"), json.readValue(rs.getString("request"),
                                AnswerEvaluations.EvaluationBody.class),
                        rs.getObject("claim", UUID.class), json.readValue(rs.getString("results"), RESULTS)))
                .optional();
    }

    private void giveUpOnExhausted() {
        jdbc.sql("""
                UPDATE answer_evaluation_jobs SET status = 'FAILED', claim = NULL, finished_at = :now,
                    error = 'The evaluation was started ' || attempts || ' times and never finished'
                WHERE %s AND attempts >= :attempts""".formatted(claims.lapsed()))
                .param("now", now()).param("attempts", properties.maxAttempts()).update();
    }

    private void run(Claimed job) {
        List<JsonNode> results = new ArrayList<>(job.results());
        held.put(job.claim(), false);
        SecurityContextHolder.setContext(readerOf(job));
        try {
            AnswerEvaluations.Checked evaluation = evaluations.check(job.request());
            int questions = evaluation.questions().size();
            for (int c = results.size(); c < evaluation.configurations().size(); c++) {
                int before = c * questions;
                Instant[] lastWrite = { clock.instant() };
                Map<String, Object> result = evaluations.evaluate(evaluation, c, answered -> {
                    if (worker.stopping() || Boolean.TRUE.equals(held.get(job.claim()))) {
                        throw new ClaimLost();
                    }
                    if (clock.instant().isAfter(lastWrite[0].plusSeconds(1))) {
                        held(claims.write(job.claim(), job.id(), "answers_done = :done",
                                sql -> sql.param("done", before + answered)));
                        lastWrite[0] = clock.instant();
                    }
                });
                results.add(json.valueToTree(result));
                int done = (c + 1) * questions;
                held(claims.write(job.claim(), job.id(), "results = CAST(:results AS jsonb), answers_done = :done",
                        sql -> sql.param("results", json.writeValueAsString(results)).param("done", done)));
            }
            held(claims.finish(job.claim(), job.id(), "status = 'DONE', finished_at = :now",
                    sql -> sql.param("now", now())));
            log.info("Answer evaluation job {} on '{}' done", job.id(), job.collection());
        }
        catch (ClaimLost e) {
            if (worker.stopping()) {
                // handed back for another instance (or this one after a restart) to go on with
                claims.release(job.claim());
            }
            else {
                log.info("Answer evaluation job {} was taken over by another instance", job.id());
            }
        }
        catch (LoreException e) {
            fail(job, e.getMessage());
        }
        catch (IllegalArgumentException e) {
            fail(job, e.getMessage());
        }
        finally {
            held.remove(job.claim());
            SecurityContextHolder.clearContext();
        }
    }

    /**
     * The job answers as a reader of its collection only: the key that submitted it was checked then, and the job may
     * run later on another instance, where that request's caller is long gone.
     */
    private static SecurityContext readerOf(Claimed job) {
        Caller reader = new Caller(job.keyId() == null ? "answer-evaluation-job" : job.keyId(),
                "answer evaluation job " + job.id(), false, Set.of(job.collection()), Set.of(Permission.READ));
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(reader, null, List.of()));
        return context;
    }

    private void fail(Claimed job, String reason) {
        log.warn("Answer evaluation job {} FAILED: {}", job.id(), reason);
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
