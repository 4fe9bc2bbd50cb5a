package dev.lore.documents;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.documents.internal.Chunker;
import dev.lore.models.Embedder;
import dev.lore.web.DatabaseOutage;
import dev.lore.web.LoreException;

/**
 * Moves a collection to the embedder this instance runs, as a background job with progress. New vectors are staged
 * in short transactions (a batch at a time, resumable: a job whose instance died is taken over and skips what is
 * staged), then swapped in together with the collection's model in one transaction that holds the collection row's
 * lock, so searches see the old vectors or the new ones, never a mix. Chunks that arrived during the job are staged
 * outside it as well, and the swap embeds at most one batch of late ones itself (more: it lets go, they are staged,
 * and it tries again, {@link #ROUNDS} times before the job fails); an ingestion still holding old vectors checks the
 * model under the same lock and fails its document instead of mixing. The model is never called inside a
 * transaction other than for that last batch, and indexes of the old size are dropped concurrently, outside it.
 * Jobs are claimed like ingestion items: a token, a heartbeat, counted attempts.
 */
@Service
class Reembedding extends CollectionJobs<Reembedding.Claimed> {

    private static final Logger log = LoggerFactory.getLogger(Reembedding.class);
    /** Chunks embedded per call and staged per transaction; at most this many are embedded under the lock. */
    static final int BATCH = 64;

    /** How many times a job stages what arrived meanwhile and tries the swap again before it gives up. */
    static final int ROUNDS = 5;

    /** How a try at the swap ended. */
    private enum Swap {
        DONE, OUTPACED, INDEXED, LOST
    }

    private final Collections collections;
    private final VectorIndexes vectorIndexes;
    private final Embedder embedder;
    private final NamedParameterJdbcTemplate namedJdbc;

    Reembedding(Collections collections, VectorIndexes vectorIndexes, Embedder embedder, JdbcClient jdbc,
            NamedParameterJdbcTemplate namedJdbc, TransactionTemplate transactions, DocumentsProperties properties,
            Clock clock) {
        super("reembeddings", "Re-embedding", jdbc, transactions, properties, clock);
        this.collections = collections;
        this.vectorIndexes = vectorIndexes;
        this.embedder = embedder;
        this.namedJdbc = namedJdbc;
    }

    /** A re-embedding job and its progress. */
    record Job(UUID id, String collection, String previousEmbedder, String embedder, String status,
            long chunksTotal, long chunksDone, String error, OffsetDateTime createdAt, OffsetDateTime finishedAt) {
    }

    private record Row(UUID id, String title, String headingPath, String text) {
    }

    record Claimed(UUID id, UUID token, long collectionId, String collection, String fromEmbedder)
            implements CollectionJobs.Claimed {
    }

    /**
     * Queues the collection's move to this instance's embedder, or returns the job already under way; a collection
     * already on this embedder gets a job that is done at once.
     */
    Job start(String name) {
        CollectionRef collection = collections.writable(name);
        // a model of another size is fine (chunks hold vectors of any size, indexed per collection), as long as the
        // collection's dense search mode suits it: a Matryoshka prefix needs a Matryoshka model longer than it
        collection.denseSearch().checkFor(embedder.name(), embedder.dimension(), embedder.matryoshka());
        Optional<Job> active = find("r.collection_id = :key AND r.status IN ('QUEUED', 'RUNNING')", collection.id());
        if (active.isPresent()) {
            return active.get();
        }
        boolean current = collection.embedder().equals(embedder.name());
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(clock);
        try {
            transactions.executeWithoutResult(tx -> jdbc.sql("""
                    INSERT INTO reembeddings (id, collection_id, from_embedder, to_embedder, dimension, status,
                        chunks_total, created_at, finished_at)
                    SELECT :id, c.id, c.embedder, :to, :dimension, :status,
                        CASE WHEN :current THEN 0 ELSE c.chunk_count END, :now, :finished
                    FROM collections c WHERE c.id = :c""")
                    .param("id", id).param("c", collection.id()).param("to", embedder.name())
                    .param("dimension", embedder.dimension()).param("status", current ? "DONE" : "QUEUED")
                    .param("current", current).param("now", now).param("finished", current ? now : null).update());
        }
        catch (DuplicateKeyException raced) {
            return find("r.collection_id = :key AND r.status IN ('QUEUED', 'RUNNING')", collection.id())
                    .orElseThrow(() -> raced);
        }
        if (!current) {
            log.info("Re-embedding of collection {} from {} to {} queued as {}", name, collection.embedder(),
                    embedder.name(), id);
            wake();
        }
        return status(id);
    }

    /** A job, if the caller may see its collection; otherwise it answers like an unknown id. */
    Job status(UUID id) {
        return find("r.id = :key", id).filter(job -> collections.isVisible(job.collection()))
                .orElseThrow(() -> LoreException.notFound("reembedding-not-found", "Re-embedding not found",
                        "No re-embedding with id " + id));
    }

    private Optional<Job> find(String where, Object key) {
        return jdbc.sql("""
                SELECT r.id, c.name, r.from_embedder, r.to_embedder, r.status, r.chunks_total, r.chunks_done, r.error,
                       r.created_at, r.finished_at
                FROM reembeddings r JOIN collections c ON c.id = r.collection_id WHERE %s""".formatted(where))
                .param("key", key)
                .query((rs, n) -> new Job(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8),
                        rs.getObject(9, OffsetDateTime.class), rs.getObject(10, OffsetDateTime.class)))
                .optional();
    }

    @Override
    Optional<Claimed> take(UUID token) {
        return jdbc.sql("""
                UPDATE reembeddings r SET status = 'RUNNING', %s, attempts = r.attempts + 1
                FROM collections c
                WHERE c.id = r.collection_id AND r.id = (SELECT id FROM reembeddings
                    WHERE to_embedder = :embedder AND (status = 'QUEUED' OR %s)
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING r.id, r.collection_id, c.name, r.from_embedder""".formatted(claims.take(), claims.lapsed()))
                .param("token", token).param("embedder", embedder.name())
                .query((rs, n) -> new Claimed(rs.getObject(1, UUID.class), token, rs.getLong(2), rs.getString(3),
                        rs.getString(4)))
                .optional();
    }

    @Override
    void run(Claimed job) {
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            if (!stagePending(job, round)) {
                return;
            }
            int dimension = jdbc.sql("SELECT dimension FROM collections WHERE id = :c").param("c", job.collectionId())
                    .query(Integer.class).optional().orElse(embedder.dimension());
            if (dimension != embedder.dimension()) {
                // the collection's indexes cast every vector to the old size and would refuse the new ones. Dropped
                // concurrently, outside the swap: a plain DROP INDEX holds ACCESS EXCLUSIVE on the chunks table,
                // which every collection shares, to the end of its transaction. Until the vector indexer builds them
                // again at the new size, search of this collection is exact.
                vectorIndexes.dropAllConcurrently(job.collectionId());
            }
            Swap swap = transactions.execute(tx -> swap(job));
            switch (swap) {
                case DONE -> {
                    log.info("Collection {} now embedded with {} ({} ms)", job.collection(), embedder.name(),
                            (System.nanoTime() - start) / 1_000_000);
                    return;
                }
                case LOST -> {
                    return;
                }
                case OUTPACED, INDEXED -> log.info("Re-embedding {} of collection {}: {} before the swap, round {}"
                        + " of {}", job.id(), job.collection(), swap == Swap.OUTPACED
                                ? "more than " + BATCH + " chunks arrived" : "an index at the old size came back",
                        round + 1, ROUNDS);
                default -> throw new IllegalStateException("unknown swap outcome " + swap);
            }
        }
        finish(job, "FAILED", "Chunks kept arriving faster than they could be embedded: " + ROUNDS + " times more "
                + "than " + BATCH + " arrived between staging and the swap, which embeds at most that many while it "
                + "holds the collection; re-embed again when uploads to the collection are quieter");
    }

    /**
     * Embeds and stages the chunks that have no staged vector yet, a batch at a time, each embedded outside any
     * transaction and stored in a short one (a job taken over after a crash skips what is already staged; a later
     * round, what arrived since); false when the worker is stopping or the job was taken over.
     */
    private boolean stagePending(Claimed job, int round) {
        List<UUID> pending = jdbc.sql("""
                SELECT k.id FROM chunks k WHERE k.collection_id = :c AND NOT EXISTS (
                    SELECT 1 FROM reembedded_vectors v WHERE v.reembedding_id = :job AND v.chunk_id = k.id)""")
                .param("c", job.collectionId()).param("job", job.id()).query(UUID.class).list();
        if (round == 0) {
            log.info("Re-embedding {} chunks of collection {} from {} to {}", pending.size(), job.collection(),
                    job.fromEmbedder(), embedder.name());
        }
        for (int from = 0; from < pending.size(); from += BATCH) {
            if (stopping()) {
                return false; // the claim lapses and another instance (or this one, restarted) resumes
            }
            List<UUID> ids = pending.subList(from, Math.min(pending.size(), from + BATCH));
            List<Row> rows = rows("k.id = ANY(:ids)", job, ids.toArray(UUID[]::new));
            List<float[]> vectors = embed(rows);
            if (!Boolean.TRUE.equals(transactions.execute(tx -> stage(job, rows, vectors)))) {
                log.warn("Re-embedding {} was taken over by another worker; stopping here", job.id());
                return false;
            }
        }
        return true;
    }

    private List<Row> rows(String where, Claimed job, UUID[] ids) {
        return jdbc.sql("SELECT k.id, k.title, k.heading_path, k.text FROM chunks k WHERE k.collection_id = :c AND "
                + where).param("c", job.collectionId()).param("ids", ids).param("job", job.id())
                .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4)))
                .list();
    }

    private List<float[]> embed(List<Row> rows) {
        return rows.isEmpty() ? List.of() : embedder.embedDocuments(rows.stream()
                .map(row -> Chunker.embeddingText(row.title(), row.headingPath(), row.text())).toList());
    }

    /**
     * Stores a batch's new vectors, embedded beforehand, and counts them, if this worker still holds the job: the
     * model is never called while this holds the job's row and a connection.
     */
    private boolean stage(Claimed job, List<Row> rows, List<float[]> vectors) {
        if (!claims.write(job.token(), job.id(), "chunks_done = chunks_done + :n",
                sql -> sql.param("n", rows.size()))) {
            return false;
        }
        if (rows.isEmpty()) {
            return true;
        }
        MapSqlParameterSource[] staged = new MapSqlParameterSource[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            staged[i] = new MapSqlParameterSource().addValue("job", job.id()).addValue("chunk", rows.get(i).id())
                    .addValue("embedding", new PGvector(vectors.get(i)));
        }
        namedJdbc.batchUpdate("""
                INSERT INTO reembedded_vectors (reembedding_id, chunk_id, embedding) VALUES (:job, :chunk, :embedding)
                ON CONFLICT DO NOTHING""", staged);
        return true;
    }

    /**
     * Under the collection row's lock: embeds the chunks that arrived since the last staging, moves every staged
     * vector into its chunk and switches the collection's model, all or nothing. Uploads to the collection wait on
     * that lock, so it embeds at most one batch while holding it: with more arrived it changes nothing and answers
     * {@code OUTPACED}, and the caller stages them outside the lock and comes back.
     */
    private Swap swap(Claimed job) {
        Integer dimension = jdbc.sql("SELECT dimension FROM collections WHERE id = :c FOR UPDATE")
                .param("c", job.collectionId()).query(Integer.class).optional().orElse(null);
        if (dimension == null) {
            return Swap.LOST;
        }
        List<Row> late = rows("""
                NOT EXISTS (SELECT 1 FROM reembedded_vectors v WHERE v.reembedding_id = :job AND v.chunk_id = k.id)
                LIMIT %d""".formatted(BATCH + 1), job, new UUID[0]);
        if (late.size() > BATCH) {
            return Swap.OUTPACED;
        }
        if (dimension != embedder.dimension() && vectorIndexes.indexed(job.collectionId())) {
            return Swap.INDEXED; // the vector indexer built one at the old size since the drop: dropped again first
        }
        if (!stage(job, late, embed(late)) || !finish(job, "DONE", null)) {
            return Swap.LOST;
        }
        jdbc.sql("""
                UPDATE chunks k SET embedding = v.embedding FROM reembedded_vectors v
                WHERE v.reembedding_id = :job AND v.chunk_id = k.id""").param("job", job.id()).update();
        jdbc.sql("UPDATE collections SET embedder = :embedder, dimension = :dimension WHERE id = :c")
                .param("embedder", embedder.name()).param("dimension", embedder.dimension())
                .param("c", job.collectionId()).update();
        jdbc.sql("DELETE FROM reembedded_vectors WHERE reembedding_id = :job").param("job", job.id()).update();
        return Swap.DONE;
    }

    @Override
    void fail(Claimed job, String error) {
        finish(job, "FAILED", error);
    }

    /** A database outage is not the job's fault: its claim lapses and it resumes once the database is back. */
    @Override
    boolean resumesAfter(RuntimeException failure) {
        return DatabaseOutage.causedBy(failure);
    }
}
