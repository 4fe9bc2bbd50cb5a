package dev.lore.documents;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.jobs.Claims;
import dev.lore.jobs.CoalescingWorker;
import dev.lore.models.ModelUnavailable;

/**
 * The worker side of a background job over a collection that workers on any instance claim (re-embedding,
 * rechunking): polls, heartbeats, the claim-and-run loop, giving up a job stopped too often, and ending a job fenced
 * on its claim. Each job keeps its own claiming statement, staging and swap.
 */
abstract class CollectionJobs<C extends CollectionJobs.Claimed> {

    /** A job this worker holds: its id, the token of its claim and its collection's name. */
    interface Claimed {

        UUID id();

        UUID token();

        String collection();
    }

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final String table;
    private final String name;
    final JdbcClient jdbc;
    final TransactionTemplate transactions;
    private final DocumentsProperties properties;
    final Clock clock;
    private final CoalescingWorker worker;
    final Claims claims;
    private volatile Set<UUID> held = Set.of();

    /**
     * {@code table} holds the jobs (its name less the plural's s names the worker's thread); {@code name} starts
     * the job's log lines and error messages.
     */
    CollectionJobs(String table, String name, JdbcClient jdbc, TransactionTemplate transactions,
            DocumentsProperties properties, Clock clock) {
        this.table = table;
        this.name = name;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.properties = properties;
        this.clock = clock;
        this.worker = new CoalescingWorker(table.substring(0, table.length() - 1) + "-", this::drain);
        this.claims = new Claims(jdbc, table, "claim_token", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", properties.staleAfter());
    }

    /**
     * In the claiming transaction, once jobs stopped too often are given up: takes the oldest job queued for this
     * instance's embedder, or one whose worker stopped sending heartbeats, under {@code token}.
     */
    abstract Optional<C> take(UUID token);

    /** Does a claimed job's work, to its end or until the worker stops or loses the claim. */
    abstract void run(C job) throws InterruptedException;

    /** Ends a job FAILED with this error, fenced on its claim (and drops what it staged, if that is of no use). */
    abstract void fail(C job, String error);

    /** In the transaction that ended them FAILED, drops what these jobs, given up, had staged (nothing by default). */
    void gaveUp(List<UUID> jobs) {
    }

    /** Whether a failure is not the job's: then its claim lapses and it resumes later, instead of ending FAILED. */
    boolean resumesAfter(RuntimeException failure) {
        return false;
    }

    @Scheduled(fixedDelayString = "${lore.documents.poll-interval:2s}")
    void wake() {
        if (properties.workerEnabled()) {
            worker.wake();
        }
    }

    @Scheduled(fixedDelayString = "${lore.documents.heartbeat-interval:5s}")
    void heartbeat() {
        claims.beat(held);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
    }

    boolean stopping() {
        return worker.stopping();
    }

    void drain() {
        try {
            Optional<C> job;
            while (!worker.stopping() && (job = claim()).isPresent()) {
                C claimed = job.get();
                held = Set.of(claimed.token());
                try {
                    run(claimed);
                }
                catch (ModelUnavailable down) {
                    // what is staged stays: the job waits in the queue and resumes where it stopped
                    log.warn(name + " {} of collection {} waits: the embedder is unavailable ({})", claimed.id(),
                            claimed.collection(), down.getMessage());
                    claims.release(claimed.token());
                    return;
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return; // stopping: the claim lapses and the job is taken over
                }
                catch (RuntimeException e) {
                    if (resumesAfter(e)) {
                        throw e; // its claim lapses without heartbeats and the job is taken over later
                    }
                    log.error(name + " {} of collection {} failed", claimed.id(), claimed.collection(), e);
                    fail(claimed, name + " failed: " + e.getMessage());
                }
                finally {
                    held = Set.of();
                }
            }
        }
        catch (RuntimeException e) {
            // the database is away, say: a job held now lapses without heartbeats and is taken over later
            log.warn(name + " worker could not reach its queue ({}); it tries again on its next poll",
                    e.getMessage());
        }
    }

    private Optional<C> claim() {
        UUID token = UUID.randomUUID();
        return transactions.execute(tx -> {
            List<UUID> givenUp = jdbc.sql("""
                    UPDATE %s SET status = 'FAILED', finished_at = now(), error = 'Stopped ' || attempts
                        || ' times before it finished (the instance running it died); giving up'
                    WHERE %s AND attempts >= :max RETURNING id""".formatted(table, claims.lapsed()))
                    .param("max", properties.maxAttempts()).query(UUID.class).list();
            if (!givenUp.isEmpty()) {
                gaveUp(givenUp);
            }
            return take(token);
        });
    }

    /** Ends a job, fenced on its claim. */
    boolean finish(C job, String status, String error) {
        return claims.finish(job.token(), job.id(), "status = :status, error = :error, finished_at = :now",
                sql -> sql.param("status", status).param("error", error).param("now", OffsetDateTime.now(clock)));
    }
}
