package dev.lore.web;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Where reads that may be served by a PostgreSQL streaming replica run: searches, listings, memory retrieval. A
 * caller that writes, claims, locks or takes a lease uses the plain {@code JdbcClient} (the primary) instead. Without
 * {@code lore.datasource.read.url} both are the primary; with it, a read that finds the replica down or behind the
 * primary's commits at its start runs on the primary (see {@link ReadReplicaProperties}).
 */
public final class ReadReplica implements AutoCloseable {

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final boolean replicated;
    private final Runnable onClose;

    ReadReplica(JdbcClient jdbc, TransactionTemplate transactions, boolean replicated, Runnable onClose) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.replicated = replicated;
        this.onClose = onClose;
    }

    /** Whether reads have a replica of their own ({@code lore.datasource.read.url}), rather than the primary. */
    public boolean replicated() {
        return replicated;
    }

    /** Statements that only read. */
    public JdbcClient jdbc() {
        return jdbc;
    }

    /**
     * Read-only transactions on the same connection, for reads that need transaction-local settings ({@code SET
     * LOCAL}, {@code set_config(..., true)}).
     */
    public TransactionTemplate transactions() {
        return transactions;
    }

    /** Closes the replica's connection pool, if there is one. */
    @Override
    public void close() {
        onClose.run();
    }
}
