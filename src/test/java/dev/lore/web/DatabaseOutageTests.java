package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

class DatabaseOutageTests {

    @Test
    void recognisesFailuresOfReachingTheDatabase() {
        SQLTransientConnectionException poolTimeout = new SQLTransientConnectionException("request timed out");
        assertThat(DatabaseOutage.causedBy(new CannotGetJdbcConnectionException("no connection", poolTimeout)))
                .isTrue();
        assertThat(DatabaseOutage.causedBy(new CannotCreateTransactionException("no connection", poolTimeout)))
                .isTrue();
        assertThat(DatabaseOutage.causedBy(new DataAccessResourceFailureException("I/O error",
                new SQLException("An I/O error occurred while sending to the backend", "08006")))).isTrue();
        assertThat(DatabaseOutage.causedBy(new IllegalStateException("wrapped", new SQLException(
                "the database system is starting up", "57P03")))).isTrue();
    }

    @Test
    void recognisesAnOutageBehindAFailedRollbackOrABrokenSocket() {
        TransactionSystemException rollbackFailed = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Cannot rollback when autoCommit is enabled."));
        rollbackFailed.initApplicationException(new DataAccessResourceFailureException("I/O error",
                new SQLException("An I/O error occurred while sending to the backend", "08006")));
        assertThat(DatabaseOutage.causedBy(rollbackFailed)).isTrue();
        assertThat(DatabaseOutage.causedBy(new CannotCreateTransactionException("Could not open JDBC Connection",
                new SQLException("I/O error", (String) null, new java.net.ConnectException("Connection refused")))))
                .isTrue();
        assertThat(DatabaseOutage.causedBy(new RecoverableDataAccessException("lost",
                new SQLException("reading", (String) null, new java.io.EOFException())))).isTrue();
        // a socket failure that is not the database's (a client gone mid-upload) is not an outage
        assertThat(DatabaseOutage.causedBy(new IllegalStateException("upload", new java.net.SocketException())))
                .isFalse();
    }

    @Test
    void leavesOtherDatabaseFailuresToTheGeneralHandling() {
        assertThat(DatabaseOutage.causedBy(new DataAccessResourceFailureException("too long",
                new SQLException("string is too long for tsvector", "54000")))).isFalse();
        assertThat(DatabaseOutage.causedBy(new CannotCreateTransactionException("nested transactions"))).isFalse();
        assertThat(DatabaseOutage.causedBy(new IllegalArgumentException("bad input"))).isFalse();
    }
}
