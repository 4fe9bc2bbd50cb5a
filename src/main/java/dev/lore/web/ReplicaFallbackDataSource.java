package dev.lore.web;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.transaction.TransactionSystemException;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Hands out replica connections for reads, or primary ones where the replica cannot serve the read: it is down (then
 * it is left alone for {@code retryAfter}), or it has not yet replayed the primary's WAL position taken when the read
 * began and does not within {@code maxLagWait} (read-your-writes: a search right after an ingestion finished sees it,
 * whichever instance ingested); with the primary unreachable the replica serves reads unchecked. The check asks the primary for {@code pg_current_wal_lsn()}, a function call with no
 * table access, so a replica-served read costs the primary one trivial statement instead of the search itself.
 */
final class ReplicaFallbackDataSource extends AbstractDataSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFallbackDataSource.class);

    private final DataSource primary;
    private final HikariDataSource replica;
    private final ReadReplicaProperties properties;
    private final Counter servedByReplica;
    private final Counter replicaUnavailable;
    private final Counter replicaBehind;
    /** Whether this thread's last connection came from the replica: only a read that ran there is run again. */
    private final ThreadLocal<Boolean> lastFromReplica = ThreadLocal.withInitial(() -> false);
    /** System.nanoTime() before which the replica is not tried; a timeout, not business time, so not the Clock. */
    private volatile long skipReplicaUntil = System.nanoTime();
    private volatile boolean down;

    ReplicaFallbackDataSource(DataSource primary, HikariDataSource replica, ReadReplicaProperties properties,
            MeterRegistry meters) {
        this.primary = primary;
        this.replica = replica;
        this.properties = properties;
        this.servedByReplica = Counter.builder("lore.datasource.read").tag("served-by", "replica")
                .tag("reason", "none").description("Reads by where they ran").register(meters);
        this.replicaUnavailable = Counter.builder("lore.datasource.read").tag("served-by", "primary")
                .tag("reason", "replica-unavailable").description("Reads by where they ran").register(meters);
        this.replicaBehind = Counter.builder("lore.datasource.read").tag("served-by", "primary")
                .tag("reason", "replica-behind").description("Reads by where they ran").register(meters);
    }

    @Override
    public Connection getConnection() throws SQLException {
        lastFromReplica.set(false);
        if (System.nanoTime() - skipReplicaUntil < 0) {
            replicaUnavailable.increment();
            return primary.getConnection();
        }
        Connection connection;
        try {
            connection = replica.getConnection();
        } catch (SQLException e) {
            return primaryInstead(e);
        }
        try {
            // the check doubles as a liveness test: Hikari hands out a connection used in the last 500 ms unchecked
            if (!properties.readYourWrites() || caughtUp(connection)) {
                if (down) {
                    down = false;
                    log.info("Read replica {} serves reads again", replica.getJdbcUrl());
                }
                servedByReplica.increment();
                lastFromReplica.set(true);
                return connection;
            }
        } catch (SQLException e) {
            replica.evictConnection(connection);
            return primaryInstead(e);
        }
        connection.close();
        replicaBehind.increment();
        return primary.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new UnsupportedOperationException("Reads use the configured credentials");
    }

    @Override
    public void close() {
        replica.close();
    }

    private Connection primaryInstead(SQLException cause) throws SQLException {
        leaveReplicaAlone(cause);
        replicaUnavailable.increment();
        return primary.getConnection();
    }

    private void leaveReplicaAlone(Throwable cause) {
        skipReplicaUntil = System.nanoTime() + properties.retryAfter().toNanos();
        if (!down) {
            down = true;
            log.warn("Read replica {} is unavailable ({}); reads go to the primary, retrying in {}",
                    replica.getJdbcUrl(), cause.getMessage(), properties.retryAfter());
        }
    }

    /**
     * Whether {@code failure}, thrown by this thread's last read, lost its replica connection (the replica stopped,
     * restarted or died under it): then the replica is left alone as when it cannot be reached, and the caller runs
     * the read again, which goes to the primary. A failure of the primary, or of the statement itself, is not.
     */
    boolean replicaLostMidRead(RuntimeException failure) {
        if (!lastFromReplica.get() || !connectionLost(failure)) {
            return false;
        }
        lastFromReplica.set(false);
        leaveReplicaAlone(failure);
        return true;
    }

    /**
     * PostgreSQL's connection exceptions (class 08) and its shutdown terminations (57P01 to 57P03). A transaction
     * whose connection died fails again on its rollback, and the pool's closed connection names no state: what the
     * transaction's work threw is the rollback failure's application exception.
     */
    private static boolean connectionLost(Throwable failure) {
        if (failure instanceof TransactionSystemException rollback && rollback.getApplicationException() != null
                && connectionLost(rollback.getApplicationException())) {
            return true;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    private boolean caughtUp(Connection replicaConnection) throws SQLException {
        String primaryLsn;
        try (Connection connection = primary.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT pg_current_wal_lsn()::text");
                ResultSet rs = statement.executeQuery()) {
            rs.next();
            primaryLsn = rs.getString(1);
        } catch (SQLException e) {
            // the primary is unreachable: the replica is the only server that can answer, and nothing newer than
            // what it holds can be committed meanwhile through this instance
            log.debug("No WAL position from the primary ({}); the replica serves the read", e.getMessage());
            return true;
        }
        long deadline = System.nanoTime() + properties.maxLagWait().toNanos();
        try (PreparedStatement statement = replicaConnection
                .prepareStatement("SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)")) {
            statement.setString(1, primaryLsn);
            while (true) {
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return true;
                    }
                }
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                try {
                    // streaming replication replays within milliseconds when healthy; a short poll keeps the wait
                    // close to that without a LISTEN channel, which a hot standby does not offer
                    TimeUnit.MILLISECONDS.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
