package dev.lore.documents;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.lore.jobs.CoalescingWorker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Gives each large enough collection its own partial HNSW index, {@code chunks_embedding_c<id> ... WHERE
 * collection_id = <id>}, built in bulk with {@code CREATE INDEX CONCURRENTLY}. Building a graph in bulk costs
 * PostgreSQL about a third of inserting the same vectors one by one into an existing graph, and an initial load is
 * most of a collection's chunks, so the build waits until the collection's ingestion backlog has drained (or
 * {@code maxDeferred} chunks wait). Until then, and for collections below the threshold, dense search scans the
 * collection's vectors exactly: complete, and a dense search never filters another collection's graph. The index is
 * over the expression of the collection's {@link DenseSearch} mode (whole vectors, their binary quantisation, or a
 * prefix), cast to the collection's dimension, and named by the mode: a collection whose mode changed gets the new
 * mode's index, and the old one is dropped.
 * <p>
 * Builds run one at a time on this component's thread, and one at a time across instances: every build, drop and
 * analyse holds one session advisory lock, and a session that cannot take it skips the work until its next pass.
 * Two {@code CREATE INDEX CONCURRENTLY} of partial indexes on the same table (or one and an {@code ANALYZE}) each
 * wait for the other's transaction and deadlock, so collections cannot each have their own lock. An index left
 * invalid by a build that died is dropped and built again under the lock, and the index of a deleted collection is
 * dropped.
 */
@Component
public class VectorIndexes {

    /** The state of a collection's vector index, as the collections API shows it. */
    public enum State {
        /** no index: dense search scans the collection's vectors */
        exact,
        /** being built (and the table analysed); dense search scans until it is ready */
        building,
        /** ready: dense search walks the HNSW graph */
        hnsw
    }

    private static final Logger log = LoggerFactory.getLogger(VectorIndexes.class);

    static final String PREFIX = "chunks_embedding_c";

    /** The session advisory lock held while building or dropping any vector index (19542 is 0x4C56, "LV"). */
    static final String LOCK = "19542, 0";

    private static final int ENSURE_TRIES = 5;

    /** How long a collection whose build failed waits before the next try (doubling up to an hour). */
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final DataSource dataSource;
    private final VectorIndexProperties properties;
    private final Timer buildTimer;
    private final Set<Long> building = ConcurrentHashMap.newKeySet();
    private final Map<Long, Backoff> failing = new ConcurrentHashMap<>();
    private final Counter buildFailures;

    /** A collection whose index builds keep failing: how many did, and when to try again. */
    private record Backoff(int failures, long retryAtNanos) {
    }
    private final CoalescingWorker worker = new CoalescingWorker("vector-index-", this::pass);

    VectorIndexes(JdbcClient jdbc, DataSource dataSource, VectorIndexProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.properties = properties;
        this.buildTimer = Timer.builder("lore.vector_index.build")
                .description("Time to build one collection's HNSW index").register(meters);
        this.buildFailures = Counter.builder("lore.vector_index.build.failures")
                .description("Vector index builds that failed or left no valid index").register(meters);
    }

    /** The name of a collection's vector index for {@code full} dense search. */
    public static String indexName(long collectionId) {
        return PREFIX + collectionId;
    }

    /** The name of a collection's vector index for its dense search mode: a changed mode gets a new index. */
    public static String indexName(long collectionId, DenseSearch search) {
        return PREFIX + collectionId + search.indexSuffix();
    }

    /** One of Lore's vector indexes as the catalogue has it. */
    private record Index(String name, long collectionId, boolean valid) {
    }

    /** What a collection's index should be. */
    private record Wanted(String name, int dimension, DenseSearch search) {
    }

    /** Whether a collection of this many chunks, with or without documents still queued, gets its index now. */
    static boolean due(long chunks, boolean backlog, VectorIndexProperties properties) {
        return chunks > 0 && chunks >= properties.threshold() && (!backlog || chunks >= properties.maxDeferred());
    }

    /**
     * Schedules one pass over the collections unless one is already waiting to run. This instance's loads call it as
     * their backlog drains; the schedule catches what other instances loaded.
     */
    @Scheduled(fixedDelayString = "${lore.vector-index.check-interval:10s}")
    void wake() {
        worker.wake();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
    }

    private void pass() {
        try {
            reconcile();
        }
        catch (RuntimeException e) {
            log.error("Vector index maintenance failed; it is tried again on the next pass", e);
        }
    }

    /**
     * The state of every collection's index for its dense search mode, by collection id; collections without one
     * are absent. An index of the mode a collection had before is no index for its search: it is being replaced.
     */
    Map<Long, State> states() {
        Map<Long, Wanted> wanted = wanted(null);
        Map<Long, State> states = new HashMap<>();
        for (Index index : present()) {
            Wanted want = wanted.get(index.collectionId());
            if (want == null) {
                continue;
            }
            boolean current = index.name().equals(want.name());
            if (current && index.valid()) {
                states.put(index.collectionId(), State.hnsw);
            }
            else {
                states.putIfAbsent(index.collectionId(), State.building);
            }
        }
        building.forEach(id -> states.put(id, State.building));
        return states;
    }

    /** Whether the collection's index for its current mode is present and valid. */
    public boolean ready(long collectionId) {
        Wanted want = wanted(collectionId).get(collectionId);
        return want != null && present().stream().anyMatch(index -> index.valid() && index.name().equals(want.name()));
    }

    /** The index each collection (or the one given) should have, by id. */
    private Map<Long, Wanted> wanted(Long collectionId) {
        Map<Long, Wanted> wanted = new HashMap<>();
        jdbc.sql("SELECT id, dimension, dense_search, dense_candidates FROM collections"
                + (collectionId == null ? "" : " WHERE id = " + collectionId))
                .query((ResultSet rs) -> {
                    DenseSearch search = Collections.denseSearch(rs);
                    long id = rs.getLong("id");
                    wanted.put(id, new Wanted(indexName(id, search), rs.getInt("dimension"), search));
                });
        return wanted;
    }

    /**
     * Builds the collection's index now, whatever its size and backlog, and returns once it is ready (benchmarks load
     * chunks by SQL); waits while another session builds it.
     */
    public void ensure(long collectionId) throws InterruptedException {
        if (jdbc.sql("SELECT count(*) FROM collections WHERE id = :id").param("id", collectionId).query(Long.class)
                .single() == 0) {
            throw new IllegalArgumentException("No collection with id " + collectionId);
        }
        Wanted want = wanted(collectionId).get(collectionId);
        if (!want.search().indexable(want.dimension())) {
            throw new IllegalArgumentException("Collection " + collectionId + " (" + want.dimension() + " dimensions, "
                    + want.search().text() + ") cannot have an HNSW index: pgvector indexes at most "
                    + DenseSearch.MAX_INDEXED_DIMENSIONS + " dimensions");
        }
        long pause = 200;
        int tries = 0;
        while (!ready(collectionId)) {
            // a pass that held the lock and still left no valid index failed; one that found the lock taken waited
            if (build(collectionId) && ++tries >= ENSURE_TRIES) {
                throw new IllegalStateException("The vector index of collection " + collectionId + " is still not"
                        + " valid after " + tries + " builds; see the log for why each failed");
            }
            if (!ready(collectionId)) {
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 5_000);
            }
        }
    }

    void reconcile() {
        List<Index> present = present();
        Map<Long, Wanted> wanted = wanted(null);
        Set<Long> indexed = new HashSet<>();
        Set<Long> repaired = new HashSet<>();
        for (Index index : present) {
            Wanted want = wanted.get(index.collectionId());
            boolean current = want != null && want.name().equals(index.name());
            if (current && index.valid()) {
                indexed.add(index.collectionId());
            }
            // an invalid leftover, the index of a deleted collection, or of the mode a collection had before
            else if (repaired.add(index.collectionId()) && backedOff(index.collectionId())) {
                build(index.collectionId());
            }
        }
        Set<Long> unindexable = new HashSet<>();
        wanted.forEach((id, want) -> {
            if (!want.search().indexable(want.dimension())) {
                unindexable.add(id);
            }
        });
        record Unindexed(long id, long chunks, boolean backlog) {
        }
        jdbc.sql("""
                SELECT c.id, c.chunk_count, EXISTS (SELECT 1 FROM ingestion_items i
                    WHERE i.collection_id = c.id AND i.status IN ('QUEUED', 'RUNNING')) AS backlog
                FROM collections c
                WHERE c.chunk_count > 0 AND c.chunk_count >= :threshold AND c.id <> ALL (:indexed)
                  AND c.id <> ALL (:unindexable)
                  AND NOT EXISTS (SELECT 1 FROM reembeddings r WHERE r.collection_id = c.id
                      AND r.status IN ('QUEUED', 'RUNNING'))
                  AND NOT EXISTS (SELECT 1 FROM rechunkings j WHERE j.collection_id = c.id
                      AND j.status IN ('QUEUED', 'RUNNING'))""")
                .param("threshold", properties.threshold())
                .param("indexed", indexed.toArray(Long[]::new))
                .param("unindexable", unindexable.toArray(Long[]::new))
                .query((rs, n) -> new Unindexed(rs.getLong(1), rs.getLong(2), rs.getBoolean(3))).list().stream()
                .filter(collection -> due(collection.chunks(), collection.backlog(), properties))
                .filter(collection -> backedOff(collection.id()))
                .forEach(collection -> build(collection.id()));
    }

    /** Whether a collection's next build may run now: none failed lately, or its back-off has passed. */
    private boolean backedOff(long collectionId) {
        Backoff backoff = failing.get(collectionId);
        return backoff == null || System.nanoTime() - backoff.retryAtNanos() >= 0;
    }

    private void failed(long collectionId, String why) {
        buildFailures.increment();
        Backoff previous = failing.get(collectionId);
        int failures = previous == null ? 1 : previous.failures() + 1;
        Duration wait = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 7));
        wait = wait.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : wait;
        failing.put(collectionId, new Backoff(failures, System.nanoTime() + wait.toNanos()));
        log.error("Vector index build for collection {} failed ({} in a row: {}); dense search stays exact, next try"
                + " in {}", collectionId, failures, why, wait);
    }

    /**
     * Drops the collection's vector indexes, whatever its dense search mode made them, with {@code DROP INDEX
     * CONCURRENTLY} on a connection of its own, outside any transaction: a plain {@code DROP INDEX} takes ACCESS
     * EXCLUSIVE on the chunks table, which every collection shares, and holds it to the end of the transaction. Under
     * the build lock, so that no build of the same table runs beside it; it waits for one that does.
     */
    void dropAllConcurrently(long collectionId) {
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true); // DROP INDEX CONCURRENTLY cannot run inside a transaction
            }
            sql.execute("SELECT pg_advisory_lock(" + LOCK + ")");
            try {
                for (Index index : present()) {
                    if (index.collectionId() == collectionId) {
                        // the name is one of Lore's, read from the catalogue: nothing here comes from a request
                        log.info("Dropping vector index {} (its collection is re-embedded at another size)",
                                index.name());
                        sql.execute("DROP INDEX CONCURRENTLY IF EXISTS " + index.name());
                    }
                }
            }
            finally {
                sql.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Could not drop the vector indexes of collection " + collectionId + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether the collection has a vector index, valid or not (one being built counts). */
    boolean indexed(long collectionId) {
        return present().stream().anyMatch(index -> index.collectionId() == collectionId);
    }

    /** Lore's vector indexes, each with whether it is valid (an invalid one is being or was built). */
    private List<Index> present() {
        List<Index> present = new java.util.ArrayList<>();
        jdbc.sql("""
                SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'chunks'::regclass AND c.relname LIKE :pattern""")
                .param("pattern", PREFIX.replace("_", "\\_") + "%")
                .query((ResultSet rs) -> {
                    String name = rs.getString(1);
                    java.util.regex.Matcher id = java.util.regex.Pattern.compile("(\\d+).*")
                            .matcher(name.substring(PREFIX.length()));
                    if (id.matches()) {
                        present.add(new Index(name, Long.parseLong(id.group(1)), rs.getBoolean(2)));
                    }
                });
        return present;
    }

    /**
     * Under the build lock (skipped when another session holds it): drops an invalid leftover or the
     * index of a deleted collection, and builds a missing one for a collection that exists. Returns whether it held
     * the lock (and so tried); a try that leaves no valid index of an existing collection counts as failed.
     */
    private boolean build(long collectionId) {
        String index = indexName(collectionId);
        Wanted want = null;
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true); // CREATE INDEX CONCURRENTLY cannot run inside a transaction
            }
            if (!queryBoolean(sql, "SELECT pg_try_advisory_lock(" + LOCK + ")")) {
                return false;
            }
            building.add(collectionId);
            try {
                want = wanted(collectionId).get(collectionId);
                boolean exists = want != null;
                if (exists) {
                    index = want.name();
                }
                Boolean valid = null;
                for (Index present : present()) {
                    if (present.collectionId() != collectionId) {
                        continue;
                    }
                    boolean current = exists && present.name().equals(want.name());
                    if (current && present.valid()) {
                        valid = true;
                        continue;
                    }
                    log.info("Dropping vector index {} ({})", present.name(), !exists ? "collection deleted"
                            : !current ? "the collection now searches " + want.search().text() : "left invalid");
                    sql.execute("DROP INDEX CONCURRENTLY IF EXISTS " + present.name());
                }
                if (valid == null && exists && want.search().indexable(want.dimension())) {
                    create(sql, collectionId, want);
                    if (!ready(collectionId)) {
                        failed(collectionId, "no valid index " + index + " after the build (is the name taken?)");
                        return true;
                    }
                }
                failing.remove(collectionId);
                return true;
            }
            finally {
                building.remove(collectionId);
                try {
                    sql.execute("RESET maintenance_work_mem; RESET max_parallel_maintenance_workers");
                }
                finally {
                    // a lock left on a pooled connection would stop every collection's builds on every instance
                    sql.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
                }
            }
        }
        catch (SQLException e) {
            failed(collectionId, e.getMessage());
            return true;
        }
    }

    private void create(Statement sql, long collectionId, Wanted want) throws SQLException {
        String index = want.name();
        long chunks = jdbc.sql("SELECT chunk_count FROM collections WHERE id = :id").param("id", collectionId)
                .query(Long.class).single();
        log.info("Building vector index {} ({}) over {} chunks of collection {}", index, want.search().text(), chunks,
                collectionId);
        long start = System.nanoTime();
        sql.execute("SET maintenance_work_mem = '" + properties.maintenanceWorkMem().toKilobytes() + "kB'");
        sql.execute("SET max_parallel_maintenance_workers = " + properties.buildWorkers());
        // identifiers and numbers only, all of them Lore's own: nothing here comes from a request
        boolean binary = want.search().mode() == DenseSearch.Mode.BINARY;
        sql.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + index
                + " ON chunks USING hnsw (" + want.search().indexExpression(want.dimension()) + ") WITH (m = "
                + (binary ? properties.binaryM() : properties.m()) + ", ef_construction = "
                + (binary ? properties.binaryEfConstruction() : properties.efConstruction())
                + ") WHERE collection_id = " + collectionId);
        // statistics from before the load put the new collection at a handful of rows, and for so few the planner
        // keeps scanning exactly, several times slower than the graph: the index counts as ready once they are
        // fresh.
        // Only the column the estimate needs: the full-text and text columns would cost seconds of sampling
        sql.execute("ANALYZE chunks (collection_id)");
        long nanos = System.nanoTime() - start;
        buildTimer.record(nanos, TimeUnit.NANOSECONDS);
        log.info("Built vector index {} in {} ms", index, nanos / 1_000_000);
    }

    private static boolean queryBoolean(Statement sql, String query) throws SQLException {
        try (ResultSet rs = sql.executeQuery(query)) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
