package dev.lore.retrieval.lexical;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

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
