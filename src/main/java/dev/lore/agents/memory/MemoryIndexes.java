package dev.lore.agents.memory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

import dev.lore.models.Embedder;

/**
 * Gives the memories of the configured embedder's dimension their partial HNSW index, {@code
 * memories_embedding_d<dimension> ON memories USING hnsw ((embedding::vector(<dimension>)) vector_cosine_ops) WHERE
 * vector_dims(embedding) = <dimension>}, which the vector pool of {@link MemoryStream}'s pooled retrieval walks. An
 * instance stores and retrieves only memories of its own embedder, so the index of its dimension is the one it needs;
 * the indexes of other sizes stay for the instances (or agents) still on them.
 * <p>
 * Built with {@code CREATE INDEX CONCURRENTLY} on a thread of its own after start-up, so that memories are written
 * while it builds, retried until it is there; until then retrieval scans the agent's memories exactly, which is
 * complete, only slower for large streams. Builds hold the session advisory lock {@code documents.VectorIndexes}
 * holds for the chunks' indexes: two concurrent builds of expression indexes wait for each other's snapshots, even on
 * different tables, and deadlock.
 */
@Component
public class MemoryIndexes {

    private static final Logger log = LoggerFactory.getLogger(MemoryIndexes.class);

    static final String PREFIX = "memories_embedding_d";

    /** The build lock of every vector index, shared with {@code documents.VectorIndexes} (0x4C56, "LV"). */
    private static final String LOCK = "19542, 0";

    /** pgvector's HNSW indexes {@code vector} of at most this many dimensions. */
    static final int MAX_INDEXED_DIMENSIONS = 2000;

    private final DataSource dataSource;
    private final Embedder embedder;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            new CustomizableThreadFactory("memory-index-"));
    private volatile boolean done;

    MemoryIndexes(DataSource dataSource, Embedder embedder) {
        this.dataSource = dataSource;
        this.embedder = embedder;
    }

    /** The name of the index over memories of {@code dimension}. */
    public static String indexName(int dimension) {
        return PREFIX + dimension;
    }

    /**
     * What follows {@code CREATE INDEX <name>} for memories of {@code dimension}: the graph over the vectors cast to
     * their size (HNSW needs one), of the rows of that size only (a cast of any other would fail).
     */
    public static String definition(int dimension) {
        return "ON memories USING hnsw ((embedding::vector(" + dimension + ")) vector_cosine_ops)"
                + " WITH (m = 16, ef_construction = 64) WHERE vector_dims(embedding) = " + dimension;
    }

    /** Whether memories of {@code dimension} can have an HNSW index at all. */
    static boolean indexable(int dimension) {
        return dimension <= MAX_INDEXED_DIMENSIONS;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        executor.scheduleWithFixedDelay(this::pass, 0, 10, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }

    private void pass() {
        if (done) {
            return;
        }
        try {
            done = ensure();
        }
        catch (RuntimeException e) {
            log.warn("The memories' vector index is not built yet ({}); retrieval scans exactly until it is",
                    e.getMessage());
        }
    }

    /**
     * Builds the index for the configured embedder's dimension unless it is there and valid (an invalid one, left by
     * a build that died, is dropped and built again). Returns whether nothing is left to do: false while another
     * session holds the build lock.
     */
    public boolean ensure() {
        int dimension = embedder.dimension();
        if (!indexable(dimension)) {
            log.info("Memories of {} ({} dimensions) get no HNSW index (pgvector indexes at most {}): retrieval scans"
                    + " each agent's memories exactly", embedder.name(), dimension, MAX_INDEXED_DIMENSIONS);
            return true;
        }
        String index = indexName(dimension);
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true); // CREATE INDEX CONCURRENTLY cannot run inside a transaction
            }
            if (valid(sql, index)) {
                return true;
            }
            if (!queryBoolean(sql, "SELECT pg_try_advisory_lock(" + LOCK + ")")) {
                return false;
            }
            try {
                Boolean present = state(sql, index);
                if (Boolean.TRUE.equals(present)) {
                    return true;
                }
                if (present != null) {
                    log.info("Dropping vector index {} (left invalid)", index);
                    sql.execute("DROP INDEX CONCURRENTLY IF EXISTS " + index);
                }
                log.info("Building vector index {} over memories of {} dimensions", index, dimension);
                long start = System.nanoTime();
                // a number Lore computed and a name made from it: nothing here comes from a request
                sql.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + index + " " + definition(dimension));
                log.info("Built vector index {} in {} ms", index, (System.nanoTime() - start) / 1_000_000);
                return valid(sql, index);
            }
            finally {
                // a lock left on a pooled connection would stop every vector index build on every instance
                sql.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Could not build vector index " + index + ": " + e.getMessage(), e);
        }
    }

    private static boolean valid(Statement sql, String index) throws SQLException {
        return Boolean.TRUE.equals(state(sql, index));
    }

    /** Whether the index is valid, or {@code null} when there is none. */
    private static Boolean state(Statement sql, String index) throws SQLException {
        try (ResultSet rs = sql.executeQuery("""
                SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'memories'::regclass AND c.relname = '%s'""".formatted(index))) {
            return rs.next() ? rs.getBoolean(1) : null;
        }
    }

    private static boolean queryBoolean(Statement sql, String query) throws SQLException {
        try (ResultSet rs = sql.executeQuery(query)) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
