package dev.lore.documents;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.documents.internal.Chunk;
import dev.lore.documents.internal.ParsedDocument;
import dev.lore.documents.internal.StoredChunks;
import dev.lore.documents.internal.UnreadableDocument;
import dev.lore.models.Embedder;
import dev.lore.web.LoreException;

/**
 * Rebuilds a collection's chunks with the parser and chunker this instance runs, as a background job with progress,
 * for collections stored before parsing or chunking improved. Each document is parsed again from its original bytes
 * ({@code lore.documents.keep-originals}) exactly as an upload is ({@link DocumentChunking}); one stored without them
 * is read back from its chunks' text ({@link StoredChunks}). New chunks are embedded and staged a batch of documents
 * at a time in short transactions (resumable: a job whose instance died is taken over and skips what is staged), then
 * swapped in for every staged document in one transaction that holds the collection row's lock, so searches see the
 * old chunks or the new ones, never a mix. The swap is SQL only (no parsing or embedding under the lock). A document
 * deleted during the job takes its staged chunks with it; one stored during the job was chunked the new way already
 * and is left alone. Claims, heartbeats and fenced writes are shared with {@link Reembedding} ({@link CollectionJobs}).
 */
@Service
class Rechunking extends CollectionJobs<Rechunking.Claimed> {

    private static final Logger log = LoggerFactory.getLogger(Rechunking.class);
    /** Documents parsed, embedded and staged together in one short transaction. */
    private static final int BATCH = 16;

    private final Collections collections;
    private final DocumentChunking chunking;
    private final Embedder embedder;
    private final NamedParameterJdbcTemplate namedJdbc;

    Rechunking(Collections collections, DocumentChunking chunking, Embedder embedder, JdbcClient jdbc,
            NamedParameterJdbcTemplate namedJdbc, TransactionTemplate transactions, DocumentsProperties properties,
            Clock clock) {
        super("rechunkings", "Rechunking", jdbc, transactions, properties, clock);
        this.collections = collections;
        this.chunking = chunking;
        this.embedder = embedder;
        this.namedJdbc = namedJdbc;
    }

    /**
     * A rechunking job and its progress: of the documents done, {@code fromOriginals} were parsed again from their
     * original bytes and {@code fromChunkText} read back from their old chunks' text (stored before originals were
     * kept); a document that changed neither way (deleted meanwhile, or nothing left to read) counts in neither.
     */
    record Job(UUID id, String collection, String embedder, String status, long documentsTotal, long documentsDone,
            long fromOriginals, long fromChunkText, String error, OffsetDateTime createdAt,
            OffsetDateTime finishedAt) {
    }

    record Claimed(UUID id, UUID token, long collectionId, String collection) implements CollectionJobs.Claimed {
    }

    /** A document to rebuild; {@code original} is null when it was stored without one. */
    private record Doc(UUID id, String source, String title, String mediaType, byte[] original) {
    }

    private record Rebuilt(Doc doc, List<Chunk> chunks, boolean fromOriginal) {
    }

    /**
     * Queues the rebuild of a collection's chunks (a key that may write to it): 409 while one is under way, while
     * the collection is being re-embedded, or when its vectors come from another model than this instance's.
     */
    Job start(String name) {
        CollectionRef collection = collections.writable(name);
        collections.checkEmbedder(collection);
        Optional<Job> active = find("j.collection_id = :key AND j.status IN ('QUEUED', 'RUNNING')", collection.id());
        if (active.isPresent()) {
            throw running(name, active.get().id());
        }
        boolean reembedding = jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM reembeddings
                    WHERE collection_id = :c AND status IN ('QUEUED', 'RUNNING'))""")
                .param("c", collection.id()).query(Boolean.class).single();
        if (reembedding) {
            // the staged chunks would carry the old model's vectors into a collection that just changed model
            throw LoreException.conflict("reembedding-running", "Re-embedding under way", "Collection '" + name
                    + "' is being re-embedded; rechunk it once that job is done");
        }
        UUID id = UUID.randomUUID();
        try {
            transactions.executeWithoutResult(tx -> jdbc.sql("""
                    INSERT INTO rechunkings (id, collection_id, embedder, status, documents_total, created_at)
                    SELECT :id, c.id, :embedder, 'QUEUED',
                        (SELECT count(*) FROM documents d WHERE d.collection_id = c.id), :now
                    FROM collections c WHERE c.id = :c""")
                    .param("id", id).param("c", collection.id()).param("embedder", embedder.name())
                    .param("now", OffsetDateTime.now(clock)).update());
        }
        catch (DuplicateKeyException raced) {
            throw running(name, find("j.collection_id = :key AND j.status IN ('QUEUED', 'RUNNING')", collection.id())
                    .map(Job::id).orElse(null));
        }
        log.info("Rechunking of collection {} queued as {}", name, id);
        wake();
        return status(id);
    }

    private static LoreException running(String name, UUID job) {
        return LoreException.conflict("rechunking-running", "Rechunking under way", "Collection '" + name
                + "' is already being rechunked" + (job == null ? "" : " (/api/v1/rechunkings/" + job + ")"));
    }

    /** A job, if the caller may see its collection; otherwise it answers like an unknown id. */
    Job status(UUID id) {
        return find("j.id = :key", id).filter(job -> collections.isVisible(job.collection()))
                .orElseThrow(() -> LoreException.notFound("rechunking-not-found", "Rechunking not found",
                        "No rechunking with id " + id));
    }

    private Optional<Job> find(String where, Object key) {
        return jdbc.sql("""
                SELECT j.id, c.name, j.embedder, j.status, j.documents_total, j.documents_done, j.from_originals,
                       j.from_chunk_text, j.error, j.created_at, j.finished_at
                FROM rechunkings j JOIN collections c ON c.id = j.collection_id WHERE %s""".formatted(where))
                .param("key", key)
                .query((rs, n) -> new Job(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getString(9),
                        rs.getObject(10, OffsetDateTime.class), rs.getObject(11, OffsetDateTime.class)))
                .optional();
    }

    @Override
    void gaveUp(List<UUID> jobs) {
        // what they staged is of no further use (the staged chunks go with their documents' rows)
        jdbc.sql("DELETE FROM rechunked_documents WHERE rechunking_id = ANY(:jobs)")
                .param("jobs", jobs.toArray(UUID[]::new)).update();
    }

    @Override
    Optional<Claimed> take(UUID token) {
        return jdbc.sql("""
                UPDATE rechunkings j SET status = 'RUNNING', %s, attempts = j.attempts + 1
                FROM collections c
                WHERE c.id = j.collection_id AND j.id = (SELECT id FROM rechunkings
                    WHERE embedder = :embedder AND (status = 'QUEUED' OR %s)
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING j.id, j.collection_id, c.name""".formatted(claims.take(), claims.lapsed()))
                .param("token", token).param("embedder", embedder.name())
                .query((rs, n) -> new Claimed(rs.getObject(1, UUID.class), token, rs.getLong(2), rs.getString(3)))
                .optional();
    }

    @Override
    void run(Claimed job) throws InterruptedException {
        long start = System.nanoTime();
        // the documents still to rebuild, read once: those stored later were chunked the new way already, and a job
        // taken over after a crash skips what is staged
        List<UUID> pending = jdbc.sql("""
                SELECT d.id FROM documents d WHERE d.collection_id = :c AND NOT EXISTS (
                    SELECT 1 FROM rechunked_documents r WHERE r.rechunking_id = :job AND r.document_id = d.id)
                ORDER BY d.id""")
                .param("c", job.collectionId()).param("job", job.id()).query(UUID.class).list();
        if (!Boolean.TRUE.equals(transactions.execute(tx -> claims.write(job.token(), job.id(),
                "documents_total = documents_done + :n", sql -> sql.param("n", pending.size()))))) {
            return;
        }
        log.info("Rechunking {} documents of collection {}", pending.size(), job.collection());
        for (int from = 0; from < pending.size(); from += BATCH) {
            if (stopping()) {
                return; // the claim lapses and another instance (or this one, restarted) resumes
            }
            List<Rebuilt> rebuilt = new ArrayList<>();
            for (Doc doc : documents(pending.subList(from, Math.min(pending.size(), from + BATCH)))) {
                rebuilt.add(rebuild(doc));
            }
            List<float[]> vectors = embedder.embedDocuments(
                    rebuilt.stream().flatMap(r -> r.chunks().stream()).map(Chunk::embeddingText).toList());
            if (!stageRetried(job, rebuilt, vectors)) {
                log.warn("Rechunking {} was taken over by another worker; stopping here", job.id());
                return;
            }
        }
        if (Boolean.TRUE.equals(transactions.execute(tx -> swap(job)))) {
            log.info("Collection {} rechunked ({} ms)", job.collection(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private List<Doc> documents(List<UUID> ids) {
        return jdbc.sql("""
                SELECT d.id, d.source, d.title, coalesce(o.media_type, d.media_type), o.bytes
                FROM documents d LEFT JOIN document_originals o ON o.document_id = d.id
                WHERE d.id = ANY(:ids) ORDER BY d.id""")
                .param("ids", ids.toArray(UUID[]::new))
                .query((rs, n) -> new Doc(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getBytes(5)))
                .list();
    }

    /** A document's new chunks: from its original if it has one that still parses, else from its chunks' text. */
    private Rebuilt rebuild(Doc doc) throws InterruptedException {
        if (doc.original() != null) {
            try {
                ParsedDocument parsed = chunking.parse(doc.original(), doc.mediaType(), doc.source(), doc.title());
                return new Rebuilt(doc, chunking.chunk(parsed), true);
            }
            catch (UnreadableDocument | RuntimeException e) {
                log.warn("Could not parse the original of {} again ({}); rebuilding it from its chunks' text",
                        doc.source(), e.getMessage());
            }
        }
        List<StoredChunks.Stored> stored = jdbc.sql(
                "SELECT ordinal, heading_path, text FROM chunks WHERE document_id = :d ORDER BY ordinal")
                .param("d", doc.id())
                .query((rs, n) -> new StoredChunks.Stored(rs.getInt(1), rs.getString(2), rs.getString(3))).list();
        ParsedDocument parsed = chunking.fromChunkText(doc.title(), stored);
        return new Rebuilt(doc, parsed.isEmpty() ? List.of() : chunking.chunk(parsed), false);
    }

    /**
     * Stages a batch; a document deleted between reading it and staging it fails the batch's transaction (its key
     * is gone), and the batch is staged again without it.
     */
    private boolean stageRetried(Claimed job, List<Rebuilt> rebuilt, List<float[]> vectors) {
        try {
            return Boolean.TRUE.equals(transactions.execute(tx -> stage(job, rebuilt, vectors)));
        }
        catch (DataIntegrityViolationException deletedMeanwhile) {
            return Boolean.TRUE.equals(transactions.execute(tx -> stage(job, rebuilt, vectors)));
        }
    }

    /** Stores a batch's new chunks and counts them, if this worker still holds the job. */
    private boolean stage(Claimed job, List<Rebuilt> rebuilt, List<float[]> vectors) {
        if (!claims.write(job.token(), job.id(), "documents_done = documents_done + :n",
                sql -> sql.param("n", rebuilt.size()))) {
            return false;
        }
        List<MapSqlParameterSource> rows = new ArrayList<>();
        int offset = 0;
        int fromOriginals = 0;
        int fromChunkText = 0;
        for (Rebuilt r : rebuilt) {
            // only a document still there is staged; its deletion later takes the staged rows with it
            int staged = jdbc.sql("""
                    INSERT INTO rechunked_documents (rechunking_id, document_id, chunks)
                    SELECT :job, d.id, :chunks FROM documents d WHERE d.id = :d
                    ON CONFLICT DO NOTHING""")
                    .param("job", job.id()).param("d", r.doc().id()).param("chunks", r.chunks().size()).update();
            if (staged == 1 && !r.chunks().isEmpty()) {
                fromOriginals += r.fromOriginal() ? 1 : 0;
                fromChunkText += r.fromOriginal() ? 0 : 1;
            }
            for (Chunk chunk : r.chunks()) {
                if (staged == 1) {
                    rows.add(new MapSqlParameterSource().addValue("job", job.id()).addValue("d", r.doc().id())
                            .addValue("ordinal", chunk.ordinal()).addValue("heading", chunk.headingPath())
                            .addValue("text", chunk.text())
                            .addValue("embedding", new PGvector(vectors.get(offset))));
                }
                offset++;
            }
        }
        if (!rows.isEmpty()) {
            namedJdbc.batchUpdate("""
                    INSERT INTO rechunked_chunks (rechunking_id, document_id, ordinal, heading_path, text, embedding)
                    VALUES (:job, :d, :ordinal, :heading, :text, :embedding)""",
                    rows.toArray(MapSqlParameterSource[]::new));
        }
        // the job's row is this transaction's since the fenced write above
        jdbc.sql("""
                UPDATE rechunkings SET from_originals = from_originals + :originals,
                    from_chunk_text = from_chunk_text + :text WHERE id = :id""")
                .param("originals", fromOriginals).param("text", fromChunkText).param("id", job.id()).update();
        return true;
    }

    /**
     * Replaces the chunks of every staged document still there with its staged ones, all or nothing. The documents
     * are locked first, in id order, then the collection row: a document's deletion locks the document and then,
     * through the chunk statistics trigger, its collection, so taking them in that same order cannot deadlock with
     * it. Ingestion commits and a re-embedding's swap hold the collection row too, so the collection's model cannot
     * change under the swap, and a document stored meanwhile (already chunked the new way) is left alone.
     */
    private boolean swap(Claimed job) {
        jdbc.sql("""
                SELECT d.id FROM documents d JOIN rechunked_documents r ON r.document_id = d.id
                WHERE r.rechunking_id = :job AND r.chunks > 0 ORDER BY d.id FOR NO KEY UPDATE OF d""")
                .param("job", job.id()).query(UUID.class).list();
        // the lock an ingestion's commit and the chunk statistics triggers take: uploads (which only refer to the
        // row) are not held up
        String current = jdbc.sql("SELECT embedder FROM collections WHERE id = :c FOR NO KEY UPDATE")
                .param("c", job.collectionId()).query(String.class).optional().orElse(null);
        if (current == null) {
            return false; // the collection was deleted, and the job with it
        }
        if (!current.equals(embedder.name())) {
            fail(job, "The collection was re-embedded with " + current + " during the job; rechunk it again");
            return false;
        }
        if (!finish(job, "DONE", null)) {
            return false;
        }
        jdbc.sql("""
                DELETE FROM chunks k USING rechunked_documents r
                WHERE r.rechunking_id = :job AND r.chunks > 0 AND k.document_id = r.document_id""")
                .param("job", job.id()).update();
        jdbc.sql("""
                INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text,
                                    embedding)
                SELECT gen_random_uuid(), s.document_id, d.collection_id, s.ordinal, d.source, d.title,
                       s.heading_path, s.text, s.embedding
                FROM rechunked_chunks s JOIN documents d ON d.id = s.document_id
                WHERE s.rechunking_id = :job""").param("job", job.id()).update();
        jdbc.sql("""
                UPDATE documents d SET chunks = r.chunks FROM rechunked_documents r
                WHERE r.rechunking_id = :job AND r.document_id = d.id AND r.chunks > 0""")
                .param("job", job.id()).update();
        jdbc.sql("DELETE FROM rechunked_documents WHERE rechunking_id = :job").param("job", job.id()).update();
        return true;
    }

    @Override
    void fail(Claimed job, String error) {
        transactions.executeWithoutResult(tx -> {
            if (finish(job, "FAILED", error)) {
                jdbc.sql("DELETE FROM rechunked_documents WHERE rechunking_id = :job").param("job", job.id())
                        .update();
            }
        });
    }
}
