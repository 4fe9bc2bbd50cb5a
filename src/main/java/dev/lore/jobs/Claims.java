package dev.lore.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Claims on the rows of one table, which workers on any instance take: a claim is a random token and a heartbeat in
 * database time (so instances' clocks need not agree) on the row. Its holder refreshes the heartbeat while it works;
 * every write it makes is fenced on the token, so a holder that only seemed dead (a long pause) changes nothing once
 * another has taken the row over; and a claimed row whose heartbeat is older than {@code staleAfter} may be taken
 * over. Written here rather than taken from a library: ShedLock locks a scheduled task, not a row of work, and
 * db-scheduler (which runs simulations' ticks) claims executions in its own table; neither fences writes to rows of
 * Lore's tables.
 */
public final class Claims {

    private static final Logger log = LoggerFactory.getLogger(Claims.class);

    /**
     * Where a table keeps its claims; its rows are identified by an {@code id} column.
     *
     * @param name the table
     * @param token the column holding the holder's token
     * @param heartbeat the column holding the holder's last heartbeat
     * @param holding what is true of a row while it is claimed, e.g. {@code status = 'RUNNING'}
     * @param released what else handing a row back sets, e.g. {@code status = 'QUEUED'}
     */
    public record Table(String name, String token, String heartbeat, String holding, String released) {
    }

    private final JdbcClient jdbc;
    private final Table table;
    private final Duration staleAfter;
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();

    public Claims(JdbcClient jdbc, Table table, Duration staleAfter) {
        if (staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
        }
        this.jdbc = jdbc;
        this.table = table;
        this.staleAfter = staleAfter;
    }

    /** Keeps a token's rows alive: {@link #beat()} refreshes their heartbeat until it is dropped or released. */
    public void hold(UUID token) {
        held.add(token);
    }

    /** Stops refreshing a token's rows: they are finished, or left to lapse. */
    public void drop(UUID token) {
        held.remove(token);
    }

    public Set<UUID> held() {
        return Set.copyOf(held);
    }

    /** What a claiming statement sets: the token, bound as {@code :token}, and a first heartbeat. */
    public String take() {
        return "%s = :token, %s = clock_timestamp()".formatted(table.token(), table.heartbeat());
    }

    /** The condition of a claimed row whose holder has not beaten for {@code staleAfter}: another may take it over. */
    public String lapsed() {
        return "(%s AND %s < clock_timestamp() - interval '%d milliseconds')".formatted(table.holding(),
                table.heartbeat(), staleAfter.toMillis());
    }

    /**
     * Refreshes the heartbeat of the rows held under this instance's tokens, and returns the tokens that hold no row
     * (finished, taken over, or not yet committed). Rows that a transaction has locked are skipped rather than
     * waited for: their holder is writing them, and waiting on them while holding others deadlocked with it.
     */
    public Set<UUID> beat() {
        UUID[] tokens = held.toArray(UUID[]::new);
        if (tokens.length == 0) {
            return Set.of();
        }
        try {
            jdbc.sql("""
                    UPDATE %1$s SET %2$s = clock_timestamp() WHERE id IN (
                        SELECT id FROM %1$s WHERE %3$s = ANY(:tokens) AND %4$s FOR UPDATE SKIP LOCKED)"""
                    .formatted(table.name(), table.heartbeat(), table.token(), table.holding()))
                    .param("tokens", tokens).update();
            Set<UUID> lost = new HashSet<>(List.of(tokens));
            lost.removeAll(jdbc.sql("SELECT %s FROM %s WHERE %s = ANY(:tokens) AND %s".formatted(table.token(),
                    table.name(), table.token(), table.holding())).param("tokens", tokens).query(UUID.class).list());
            return lost;
        }
        catch (RuntimeException e) {
            log.warn("Could not refresh the heartbeat of {} claim(s) on {}: {}", tokens.length, table.name(),
                    e.getMessage());
            return Set.of();
        }
    }

    /**
     * Writes one row if the token still holds it, and refreshes its heartbeat; {@code set} holds the statement's
     * assignments and {@code params} binds their parameters. Returns whether it wrote: inside a transaction the row
     * then stays locked until the commit, so no takeover slips in between.
     */
    public boolean write(UUID token, Object id, String set, UnaryOperator<JdbcClient.StatementSpec> params) {
        return params.apply(jdbc.sql("UPDATE %s SET %s = clock_timestamp()%s WHERE id = :id AND %s = :token AND %s"
                .formatted(table.name(), table.heartbeat(), set.isEmpty() ? "" : ", " + set, table.token(),
                        table.holding())))
                .param("id", id).param("token", token).update() == 1;
    }

    /** Like {@link #write}, and ends the row's claim. */
    public boolean finish(UUID token, Object id, String set, UnaryOperator<JdbcClient.StatementSpec> params) {
        return write(token, id, set + ", " + table.token() + " = NULL", params);
    }

    /** Hands back the rows these tokens still hold, for any worker to take at once; returns how many. */
    public int release(Collection<UUID> tokens) {
        held.removeAll(tokens);
        if (tokens.isEmpty()) {
            return 0;
        }
        return jdbc.sql("UPDATE %s SET %s = NULL, %s = NULL, %s WHERE %s = ANY(:tokens) AND %s".formatted(
                table.name(), table.token(), table.heartbeat(), table.released(), table.token(), table.holding()))
                .param("tokens", tokens.toArray(UUID[]::new)).update();
    }
}
