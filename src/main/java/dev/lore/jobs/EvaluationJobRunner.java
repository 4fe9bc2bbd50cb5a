package dev.lore.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

import dev.lore.security.ApiKeys;
import dev.lore.security.Caller;
import dev.lore.security.Permission;
import dev.lore.web.LoreException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Evaluations run as jobs stored in one table: any instance claims a queued job ({@code FOR UPDATE SKIP LOCKED}), runs
 * it one configuration after another as a reader of its collection, keeps each finished configuration's result (so a
 * job taken over goes on from the next), records progress, and beats on a timer; every write is fenced on the claim
 * token. A job whose submitting key is revoked stops at its next beat, FAILED with that reason.
 *
 * @param <Q> the job's request, as stored in its {@code request} column
 */
public final class EvaluationJobRunner<Q> {

    private static final Logger log = LoggerFactory.getLogger(EvaluationJobRunner.class);
    private static final TypeReference<List<JsonNode>> RESULTS = new TypeReference<>() {
    };

    /** The error of a job stopped because the key that submitted it was revoked. */
    public static final String REVOKED = "The key that submitted this evaluation has been revoked; the job stopped";

    /**
     * A table of evaluation jobs: {@code id}, {@code collection_id}, {@code key_id}, {@code request}, {@code status},
     * {@code claim}, {@code heartbeat_at}, {@code attempts}, {@code error} and the times, with its own names for how
     * much work a job has in all, how much is done, and the finished configurations' results (a JSON array).
     */
    public record Table(String name, String totalColumn, String doneColumn, String resultsColumn) {
    }

    /** A claimed job as its kind's work sees it. */
    public record Job<Q>(UUID id, String collection, String keyId, Q request) {
    }

    /**
     * What a job does: {@code configurations} steps of {@code questions} answers each, step {@code c} returning the
     * result kept for that configuration and reporting the answers it has done to {@code progress}.
     */
    public record Plan(int configurations, int questions, Step step) {
    }

    /** One configuration's evaluation. */
    @FunctionalInterface
    public interface Step {
        Object run(int configuration, IntConsumer progress);
    }

    private record Claimed<Q>(Job<Q> job, UUID claim, List<JsonNode> results) {
    }

    /** The job this instance is running, for the timer's heartbeat; flagged once its key was revoked or it was lost. */
    private record Running(Claimed<?> job, AtomicBoolean revoked, AtomicBoolean lost) {
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
    private final ApiKeys keys;
    private final Table table;
    private final Class<Q> requestType;
    private final Function<Job<Q>, Plan> work;
    private final String noun;
    private final int maxAttempts;
    private final Claims claims;
    // one job at a time per instance: a job answers one question after another, beside the interactive load
    private final CoalescingWorker worker;
    private volatile Running running;

    /**
     * @param noun what a job evaluates, as its logs and its reader's name say it ({@code "answer evaluation"})
     * @param work plans a claimed job; a {@link LoreException} or {@link IllegalArgumentException} from it or its steps
     *        fails the job with that message
     */
    public EvaluationJobRunner(JdbcClient jdbc, JsonMapper json, Clock clock, ApiKeys keys, Table table, String noun,
            Class<Q> requestType, Function<Job<Q>, Plan> work, Duration staleAfter, int maxAttempts) {
        this.jdbc = Objects.requireNonNull(jdbc);
        this.json = Objects.requireNonNull(json);
        this.clock = Objects.requireNonNull(clock);
        this.keys = Objects.requireNonNull(keys);
        this.table = Objects.requireNonNull(table);
        this.noun = Objects.requireNonNull(noun);
        this.requestType = Objects.requireNonNull(requestType);
        this.work = Objects.requireNonNull(work);
        this.maxAttempts = maxAttempts;
        // a job handed back at shutdown does not count the try, as for ingestion items and re-embeddings: rolling
        // restarts alone must not use up its attempts
        this.claims = new Claims(jdbc, table.name(), "claim", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", staleAfter);
        this.worker = new CoalescingWorker(noun.replace(' ', '-') + "-", this::runPending);
    }

    /** Queues a job of {@code total} answers in all and wakes this instance's worker; returns its id. */
    public UUID submit(long collectionId, String keyId, Object request, long total) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO %s (id, collection_id, key_id, request, status, %s, created_at)
                VALUES (:id, :collection, :key, CAST(:request AS jsonb), 'QUEUED', :total, :now)"""
                .formatted(table.name(), table.totalColumn()))
                .param("id", id).param("collection", collectionId).param("key", keyId)
                .param("request", json.writeValueAsString(request))
                .param("total", total).param("now", now())
                .update();
        wake();
        return id;
    }

    /** Schedules one pass over the queued jobs unless one is waiting to start; also finds other instances' work. */
    public void wake() {
        worker.wake();
    }

    /**
     * Beats for the running job, so that one slow answer (a model call) never lets the claim lapse and another instance
     * run the job twice; and stops the job, FAILED with the reason, once the key that submitted it has been revoked,
     * without waiting for that answer to return.
     */
    public void heartbeat() {
        Running current = running;
        if (current == null) {
            return;
        }
        try {
            if (keys.isRevoked(current.job().job().keyId())) {
                current.revoked().set(true);
                fail(current.job(), REVOKED);
                return;
            }
        }
        catch (RuntimeException e) {
            log.warn("Could not check the key of {} job {}: {}", noun, current.job().job().id(), e.getMessage());
        }
        if (!claims.beat(Set.of(current.job().claim())).isEmpty()) {
            current.lost().set(true);
        }
    }

    /** Lets the running job reach its next answer (then hands it back) for up to 30 seconds, then interrupts it. */
    public void stop() throws InterruptedException {
        worker.stop();
    }

    /** Runs queued jobs, and jobs whose owner stopped beating, until none is left. */
    public void runPending() {
        try {
            giveUpOnExhausted();
            Optional<Claimed<Q>> claimed;
            while (!worker.stopping() && (claimed = claim()).isPresent()) {
                run(claimed.get());
            }
        }
        catch (RuntimeException e) {
            log.error("{} jobs could not be run now; they stay queued and are tried again", capitalised(), e);
        }
    }

    private Optional<Claimed<Q>> claim() {
        return jdbc.sql("""
                UPDATE %1$s j SET status = 'RUNNING', %2$s, attempts = j.attempts + 1,
                    started_at = coalesce(j.started_at, :now)
                FROM collections c
                WHERE c.id = j.collection_id AND j.id = (
                    SELECT id FROM %1$s WHERE status = 'QUEUED' OR (%3$s AND attempts < :attempts)
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING j.id, c.name, j.key_id, j.request::text AS request, j.claim, j.%4$s::text AS results"""
                .formatted(table.name(), claims.take(), claims.lapsed(), table.resultsColumn()))
                .param("token", UUID.randomUUID()).param("now", now()).param("attempts", maxAttempts)
                .query((rs, n) -> new Claimed<>(new Job<>(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getString("key_id"), json.readValue(rs.getString("request"), requestType)),
                        rs.getObject("claim", UUID.class), json.readValue(rs.getString("results"), RESULTS)))
                .optional();
    }

    private void giveUpOnExhausted() {
        jdbc.sql("""
                UPDATE %s SET status = 'FAILED', claim = NULL, finished_at = :now,
                    error = 'The evaluation was started ' || attempts || ' times and never finished'
                WHERE %s AND attempts >= :attempts""".formatted(table.name(), claims.lapsed()))
                .param("now", now()).param("attempts", maxAttempts).update();
    }

    private void run(Claimed<Q> claimed) {
        Job<Q> job = claimed.job();
        List<JsonNode> results = new ArrayList<>(claimed.results());
        if (keys.isRevoked(job.keyId())) {
            fail(claimed, REVOKED);
            return;
        }
        Running current = new Running(claimed, new AtomicBoolean(), new AtomicBoolean());
        running = current;
        SecurityContextHolder.setContext(readerOf(job));
        try {
            Plan plan = work.apply(job);
            for (int c = results.size(); c < plan.configurations(); c++) {
                int before = c * plan.questions();
                Instant[] lastWrite = { clock.instant() };
                Object result = plan.step().run(c, answered -> {
                    if (worker.stopping() || current.revoked().get() || current.lost().get()) {
                        throw new ClaimLost();
                    }
                    if (clock.instant().isAfter(lastWrite[0].plusSeconds(1))) {
                        held(claims.write(claimed.claim(), job.id(), table.doneColumn() + " = :done",
                                sql -> sql.param("done", before + answered)));
                        lastWrite[0] = clock.instant();
                    }
                });
                results.add(json.valueToTree(result));
                int done = (c + 1) * plan.questions();
                held(claims.write(claimed.claim(), job.id(), "%s = CAST(:results AS jsonb), %s = :done"
                        .formatted(table.resultsColumn(), table.doneColumn()),
                        sql -> sql.param("results", json.writeValueAsString(results)).param("done", done)));
            }
            held(claims.finish(claimed.claim(), job.id(), "status = 'DONE', finished_at = :now",
                    sql -> sql.param("now", now())));
            log.info("{} job {} on '{}' done", capitalised(), job.id(), job.collection());
        }
        catch (ClaimLost e) {
            if (current.revoked().get()) {
                log.info("{} job {} stopped: the key that submitted it was revoked", capitalised(), job.id());
            }
            else if (worker.stopping()) {
                // handed back for another instance (or this one after a restart) to go on with
                claims.release(claimed.claim());
            }
            else {
                log.info("{} job {} was taken over by another instance", capitalised(), job.id());
            }
        }
        catch (LoreException e) {
            fail(claimed, e.getMessage());
        }
        catch (IllegalArgumentException e) {
            fail(claimed, e.getMessage());
        }
        finally {
            running = null;
            SecurityContextHolder.clearContext();
        }
    }

    /**
     * The job runs as a reader of its collection only: the key that submitted it was checked then, and the job may run
     * later on another instance, where that request's caller is long gone.
     */
    private SecurityContext readerOf(Job<Q> job) {
        Caller reader = new Caller(job.keyId() == null ? noun.replace(' ', '-') + "-job" : job.keyId(),
                noun + " job " + job.id(), false, Set.of(job.collection()), Set.of(Permission.READ));
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(reader, null, List.of()));
        return context;
    }

    private void fail(Claimed<?> claimed, String reason) {
        log.warn("{} job {} FAILED: {}", capitalised(), claimed.job().id(), reason);
        claims.finish(claimed.claim(), claimed.job().id(), "status = 'FAILED', error = :error, finished_at = :now",
                sql -> sql.param("error", reason).param("now", now()));
    }

    /** Goes on after a fenced write only if it found the claim still this instance's. */
    private static void held(boolean written) {
        if (!written) {
            throw new ClaimLost();
        }
    }

    private String capitalised() {
        return Character.toUpperCase(noun.charAt(0)) + noun.substring(1);
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }
}
