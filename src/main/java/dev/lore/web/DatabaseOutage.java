package dev.lore.web;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionSystemException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recognises a failure caused by the database being unreachable (no pooled connection in time, a connection broken
 * mid-statement, the server shutting down or starting up) and answers it with {@code 503 database-unavailable} and
 * {@code Retry-After}.
 */
@Component
public class DatabaseOutage {

    private static final Logger log = LoggerFactory.getLogger(DatabaseOutage.class);

    /** SQLSTATEs of a server going away or not yet there: admin/crash shutdown, starting up, too many clients. */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

    private final JsonMapper json;
    private final DatabaseProperties properties;
    private final Counter answered;

    DatabaseOutage(JsonMapper json, DatabaseProperties properties, MeterRegistry meters) {
        this.json = json;
        this.properties = properties;
        this.answered = meters.counter("lore.database.unavailable");
    }

    /**
     * Whether {@code failure} or one of its causes says the database cannot be reached. Spring's
     * {@code DataAccessResourceFailureException} alone is not enough: its SQLSTATE classes 53, 54 and 57 also hold
     * "statement too complex" or a cancelled query, which no retry mends.
     */
    public static boolean causedBy(Throwable failure) {
        return causedBy(failure, new IdentityHashMap<>());
    }

    /**
     * Walks the cause chain, and the failure a {@link TransactionSystemException} hides behind its own (a rollback
     * that failed because the connection was gone overrides the statement's failure that said so). Below a database
     * failure, a broken or refused socket is an outage too, whatever SQLSTATE the driver gave it.
     */
    private static boolean causedBy(Throwable failure, Map<Throwable, Boolean> seen) {
        boolean database = false;
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof CannotGetJdbcConnectionException || t instanceof TransientDataAccessResourceException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || UNAVAILABLE_STATES.contains(sql.getSQLState()))) {
                return true;
            }
            if (t instanceof TransactionSystemException tx && tx.getApplicationException() != null
                    && causedBy(tx.getApplicationException(), seen)) {
                return true;
            }
            database |= t instanceof SQLException || t instanceof DataAccessException
                    || t instanceof TransactionException;
            if (database && (t instanceof SocketException || t instanceof EOFException)) {
                return true;
            }
        }
        return false;
    }

    void answer(HttpServletRequest request, HttpServletResponse response, Throwable failure) throws IOException {
        answered.increment();
        log.warn("Database unavailable for {} {}: {}", request.getMethod(), request.getRequestURI(),
                rootMessage(failure));
        ProblemResponses.write(json, request, response, HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                "Database unavailable", "Lore cannot reach its database right now; try again in "
                        + properties.retryAfter().toSeconds() + " s.",
                properties.retryAfter());
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
