package dev.lore.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Claims on the rows of one table (each with an {@code id}) that workers on any instance take: a random token and a
 * heartbeat in database time, so instances' clocks need not agree. A claimed row is one where {@code holding} is true
 * (say {@code status = 'RUNNING'}); once its heartbeat is older than {@code staleAfter} another may take it over, and
 * the former holder's writes, fenced on its token, change nothing. A row handed back also gets {@code released} (say
 * {@code status = 'QUEUED'}). ShedLock locks scheduled tasks, not rows of work, and db-scheduler (simulations' ticks)
 * claims executions in its own table: neither fences writes to Lore's rows.
 */
public record Claims(JdbcClient jdbc, String table, String tokenColumn, String heartbeatColumn, String holding,
        String released, Duration staleAfter) {

    private static final Logger log = LoggerFactory.getLogger(Claims.class);

    /** What a claiming statement sets: the token, bound as {@code :token}, and a first heartbeat. */
    public String take() {
        return "%s = :token, %s = clock_timestamp()".formatted(tokenColumn, heartbeatColumn);
    }

    /** The condition of a claimed row whose holder has not beaten for {@code staleAfter}: another may take it over. */
    public String lapsed() {
        return "(%s AND %s < clock_timestamp() - interval '%d milliseconds')".formatted(holding, heartbeatColumn,
                staleAfter.toMillis());
    }

    /**
     * Refreshes the heartbeat of the rows these tokens hold and returns the tokens that hold none (finished, taken over
     * or not yet committed); rows a transaction has locked are skipped, as waiting for them deadlocked with it. The
     * lock is the one an UPDATE takes ({@code FOR NO KEY UPDATE}): a transaction that only inserted a row referring to
     * this one (which holds {@code FOR KEY SHARE} on it) neither blocks a takeover nor may stop the heartbeat.
     */
    public Set<UUID> beat(Collection<UUID> held) {
        UUID[] tokens = held.toArray(UUID[]::new);
        if (tokens.length == 0) {
            return Set.of();
        }
        try {
            jdbc.sql("""
                    UPDATE %1$s SET %2$s = clock_timestamp() WHERE id IN (
                        SELECT id FROM %1$s WHERE %3$s = ANY(:tokens) AND %4$s FOR NO KEY UPDATE SKIP LOCKED)"""
                    .formatted(table, heartbeatColumn, tokenColumn, holding))
                    .param("tokens", tokens).update();
            return Set.copyOf(jdbc.sql("""
                    SELECT t FROM unnest(:tokens) t WHERE NOT EXISTS (SELECT FROM %s WHERE %s = t AND %s)"""
                    .formatted(table, tokenColumn, holding)).param("tokens", tokens).query(UUID.class).list());
        }
        catch (RuntimeException e) {
            log.warn("Could not refresh the heartbeat of {} claim(s) on {}: {}", tokens.length, table,
                    e.getMessage());
            return Set.of();
        }
    }

    /**
     * Sets {@code set} (parameters bound by {@code params}) and a fresh heartbeat on one row if the token still holds
     * it, which then stays locked until the caller's transaction ends; returns whether it did.
     */
    public boolean write(UUID token, Object id, String set, UnaryOperator<JdbcClient.StatementSpec> params) {
        return params.apply(jdbc.sql("UPDATE %s SET %s = clock_timestamp()%s WHERE id = :id AND %s = :token AND %s"
                .formatted(table, heartbeatColumn, set.isEmpty() ? "" : ", " + set, tokenColumn, holding)))
                .param("id", id).param("token", token).update() == 1;
    }

    /** Like {@link #write}, and ends the row's claim. */
    public boolean finish(UUID token, Object id, String set, UnaryOperator<JdbcClient.StatementSpec> params) {
        return write(token, id, set + ", " + tokenColumn + " = NULL", params);
    }

    /** Hands back the rows these tokens still hold, for any worker to take at once; returns how many. */
    public int release(UUID... tokens) {
        return jdbc.sql("UPDATE %1$s SET %2$s = NULL, %3$s = NULL, %4$s WHERE %2$s = ANY(:tokens) AND %5$s".formatted(
                table, tokenColumn, heartbeatColumn, released, holding))
                .param("tokens", tokens).update();
    }
}
