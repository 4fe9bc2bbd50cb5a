package dev.lore.retrieval.lexical;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

import dev.lore.documents.LexicalIndexStatus;

/**
 * Pruning of the change feed ({@code lexical_changes}, V27), which the triggers on {@code chunks} fill whichever
 * engine runs. Rows below every live instance's position go; so do rows older than {@code feed-max-age}, or older
 * than {@code instance-timeout} when no instance applies the feed at all (the SQL engine everywhere): an index built
 * later starts from {@code chunks}. Whatever goes above an index's position raises the floor, and an index below
 * the floor rebuilds.
 */
public class LexicalFeed {

    private final JdbcClient jdbc;
    private final LexicalProperties properties;

    LexicalFeed(JdbcClient jdbc, LexicalProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /**
     * Runs {@code pass} every {@code poll-interval} on a daemon thread named {@code thread}, the way each indexed
     * engine applies the feed. A pass that fails (PostgreSQL or the index's store down) is logged and the next one
     * tries again; searches fall back to SQL meanwhile.
     */
    static ScheduledExecutorService applyEvery(LexicalProperties properties, String thread, Runnable pass, Logger log,
            String what) {
        ScheduledExecutorService applier = daemon(thread);
        applier.scheduleWithFixedDelay(() -> {
            try {
                pass.run();
            }
            catch (RuntimeException e) {
                log.warn("{} could not catch up with the change feed: {}", what, e.toString());
            }
        }, 0, properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        return applier;
    }

    /**
     * Every collection with its reindex request count ({@code collections.lexical_reindex}): an index built for a
     * lower count is rebuilt, and the new one records the count it was built for.
     */
    static Map<Long, Long> collections(JdbcClient jdbc) {
        Map<Long, Long> collections = new HashMap<>();
        jdbc.sql("SELECT id, lexical_reindex FROM collections")
                .query((RowCallbackHandler) rs -> collections.put(rs.getLong(1), rs.getLong(2)));
        return collections;
    }

    /**
     * Whether an index at {@code position}, which has applied the feed rows {@code applied} above it, lacks a committed
     * change of the collection: a search must not rely on it then. Below the floor, rows the index lacks may have
     * been pruned, so it cannot tell whether it is behind and counts as behind.
     */
    static boolean behind(JdbcClient jdbc, long collectionId, long position, Long[] applied) {
        return jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM lexical_changes WHERE collection_id = :collection AND xid >= :position
                                                             AND NOT id = ANY(:applied))
                       OR (SELECT below FROM lexical_feed_floor) > :position""")
                .param("collection", collectionId).param("position", position).param("applied", applied)
                .query(Boolean.class).single();
    }

    /**
     * The view of a built index that is not building now: {@code rebuilding} while a reindex request newer than the
     * one it was built for waits, else {@code ready} or {@code catching-up}, with the feed rows it has not applied
     * (committed at or above {@code position}, less {@code applied}) and the age of the oldest.
     */
    static LexicalIndexStatus.View view(JdbcClient jdbc, String engine, long collectionId, long position,
            Long[] applied, long chunks, long reindexed) {
        Map<String, Object> lag = jdbc.sql("""
                SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS lag,
                       (SELECT lexical_reindex FROM collections WHERE id = :collection) AS requested
                FROM lexical_changes WHERE collection_id = :collection AND xid >= :position AND NOT id = ANY(:applied)""")
                .param("collection", collectionId).param("position", position).param("applied", applied)
                .query().singleRow();
        long pending = ((Number) lag.get("pending")).longValue();
        Double seconds = lag.get("lag") == null ? null : ((Number) lag.get("lag")).doubleValue();
        Number requested = (Number) lag.get("requested");
        String state = requested != null && requested.longValue() > reindexed ? "rebuilding"
                : pending == 0 ? "ready" : "catching-up";
        return new LexicalIndexStatus.View(engine, state, chunks, pending, pending == 0 ? 0.0 : seconds, null);
    }

    /** Records that {@code instance} is alive and needs the feed's rows from {@code position} on. */
    static void heartbeat(JdbcClient jdbc, String instance, long position) {
        jdbc.sql("""
                INSERT INTO lexical_indexers (instance_id, position, heartbeat_at) VALUES (:instance, :position, now())
                ON CONFLICT (instance_id) DO UPDATE SET position = excluded.position, heartbeat_at = now()""")
                .param("instance", instance).param("position", position).update();
    }

    /**
     * Sends {@code heartbeat} every {@code heartbeat-interval} from a thread of its own until the returned executor
     * is shut down: a rebuild holds its pass, and with it the pass's own heartbeats, for as long as it reads the
     * collection (130 to 300 s for a million chunks on 2 cores). One longer than {@code instance-timeout} would look
     * like a dead instance, the feed would be pruned past the position the rebuild starts from, and the new index,
     * below the floor, would be rebuilt again.
     */
    static ScheduledExecutorService heartbeatsDuring(LexicalProperties properties, Runnable heartbeat, String thread,
            Logger log) {
        ScheduledExecutorService keeper = daemon(thread);
        long period = Math.max(100, properties.heartbeatInterval().toMillis());
        keeper.scheduleAtFixedRate(() -> {
            try {
                heartbeat.run();
            }
            catch (RuntimeException e) {
                log.warn("Heartbeat during a rebuild failed, the next one tries again: {}", e.toString());
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return keeper;
    }

    private static ScheduledExecutorService daemon(String thread) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread daemon = new Thread(r, thread);
            daemon.setDaemon(true);
            return daemon;
        });
    }

    /** Where no instance runs Lucene, someone still has to empty the feed the triggers write. */
    @Scheduled(fixedDelayString = "${lore.retrieval.lexical.prune-interval:1m}")
    void prune() {
        prune(jdbc, properties);
    }

    static void prune(JdbcClient jdbc, LexicalProperties properties) {
        long timeout = properties.instanceTimeout().toSeconds();
        jdbc.sql("""
                WITH live AS (SELECT min(position) AS position FROM lexical_indexers
                              WHERE heartbeat_at > now() - make_interval(secs => :timeout)),
                     floor AS (UPDATE lexical_feed_floor SET below = greatest(below, (SELECT position FROM live))
                               RETURNING below)
                DELETE FROM lexical_changes WHERE xid < (SELECT below FROM floor)""")
                .param("timeout", timeout).update();
        boolean anyLive = jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM lexical_indexers
                               WHERE heartbeat_at > now() - make_interval(secs => :timeout))""")
                .param("timeout", timeout).query(Boolean.class).single();
        long age = anyLive ? properties.feedMaxAge().toSeconds() : timeout;
        jdbc.sql("""
                WITH gone AS (DELETE FROM lexical_changes WHERE created_at < now() - make_interval(secs => :age)
                              RETURNING xid)
                UPDATE lexical_feed_floor SET below = greatest(below, (SELECT max(xid) + 1 FROM gone))""")
                .param("age", age).update();
        jdbc.sql("DELETE FROM lexical_indexers WHERE heartbeat_at < now() - make_interval(secs => :age)")
                .param("age", properties.feedMaxAge().toSeconds()).update();
    }
}
