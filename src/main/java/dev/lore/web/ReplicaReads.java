package dev.lore.web;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCreator;
import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads that survive their replica going away in the middle: a read whose replica connection is lost while it runs
 * (a restart, a failover, a crash) runs once more, on the primary, instead of failing its request. Getting a
 * connection already falls back ({@link ReplicaFallbackDataSource}); this covers the statement that was running. A
 * statement on its own is run again by {@link Template}; one inside a read transaction has that transaction's
 * connection, so {@link Transactions} runs the whole transaction again instead. Reads only: nothing here writes.
 */
final class ReplicaReads {

    private ReplicaReads() {
    }

    /** The queries of a read {@code JdbcClient}: every query of Spring's template passes through this one. */
    static final class Template extends JdbcTemplate {

        private final ReplicaFallbackDataSource reads;

        Template(ReplicaFallbackDataSource reads) {
            super(reads);
            this.reads = reads;
        }

        @Override
        public <T> T query(PreparedStatementCreator creator, PreparedStatementSetter setter,
                ResultSetExtractor<T> extractor) throws DataAccessException {
            try {
                return super.query(creator, setter, extractor);
            }
            catch (DataAccessException e) {
                // inside a transaction the dead connection is the transaction's: Transactions runs it again
                if (TransactionSynchronizationManager.isActualTransactionActive() || !reads.replicaLostMidRead(e)) {
                    throw e;
                }
                return super.query(creator, setter, extractor);
            }
        }
    }

    /** Read-only transactions on the read pool, run once more on the primary when their replica goes. */
    static final class Transactions extends TransactionTemplate {

        private final ReplicaFallbackDataSource reads;

        Transactions(ReplicaFallbackDataSource reads) {
            super(new JdbcTransactionManager(reads));
            this.reads = reads;
            setReadOnly(true);
        }

        @Override
        public <T> T execute(TransactionCallback<T> action) throws TransactionException {
            try {
                return super.execute(action);
            }
            catch (DataAccessException | TransactionException e) {
                if (TransactionSynchronizationManager.isActualTransactionActive() || !reads.replicaLostMidRead(e)) {
                    throw e;
                }
                return super.execute(action);
            }
        }
    }
}
