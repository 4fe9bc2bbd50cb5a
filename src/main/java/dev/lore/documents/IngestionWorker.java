package dev.lore.documents;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.sql.ResultSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.stream.Stream;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.transaction.event.TransactionalEventListener;

import com.pgvector.PGvector;

import dev.lore.documents.internal.Chunk;
import dev.lore.documents.internal.ParsedDocument;
import dev.lore.documents.internal.UnreadableDocument;
import dev.lore.jobs.Claims;
import dev.lore.jobs.CoalescingWorker;
import dev.lore.models.Embedder;
import dev.lore.models.ModelUnavailable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Processes queued documents: parse (in isolation, within limits: {@link DocumentParsing}), chunk, embed, then store
 * each document together with all of its chunks, so a document is either wholly visible or absent. A claimed batch
 * commits in one transaction; if that fails, its documents are stored one by one so that one bad document cannot
 * sink the others.
 * <p>
 * Claims: work is claimed with {@code FOR UPDATE SKIP LOCKED}, so several instances share one queue. Each claim
 * carries a random token; a live worker refreshes its claims' heartbeat every {@code heartbeatInterval}, and every
 * final write (done or failed) must still match the token, so a worker whose claim was taken over changes nothing.
 * An item whose heartbeat is older than {@code staleAfter} (its worker died) is taken over, alone, as a suspect;
 * after {@code maxAttempts} claims it ends FAILED. Batches are bounded by count and by payload bytes, payloads are
 * dropped from the queue once parsed (and stored with the document if {@code keepOriginals}), and an upload
 * identical to a document still in the queue waits for it without a payload.
 */
@Component
class IngestionWorker {

    private static final Logger log = LoggerFactory.getLogger(IngestionWorker.class);

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate namedJdbc;
    private final TransactionTemplate transactions;
    private final DocumentChunking chunking;
    private final Embedder embedder;
    /** The model whose collections this instance's claims take, read once: the queue is polled constantly. */
    private final String model;
    private final DocumentsProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final VectorIndexes vectorIndexes;
    private final CoalescingWorker worker = new CoalescingWorker("ingestion-", this::drain);
    private final ExecutorService storer = Executors.newSingleThreadExecutor(
            new CustomizableThreadFactory("ingestion-store-"));
    private final Claims claims;
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    /** Until when (System.nanoTime) the worker leaves the queue alone because the embedder is unavailable. */
    private volatile long embedderBackAt = System.nanoTime();
    private final Counter documentsDone;
    private final Counter documentsFailed;
    private final Counter chunksDone;
    private final Counter claimsLost;
    private final Timer parseTimer;
    private final Timer embedTimer;
    private final Timer storeTimer;

    IngestionWorker(JdbcClient jdbc, NamedParameterJdbcTemplate namedJdbc, TransactionTemplate transactions,
            DocumentChunking chunking, Embedder embedder, DocumentsProperties properties, JsonMapper json, Clock clock,
            MeterRegistry meters, VectorIndexes vectorIndexes) {
        this.vectorIndexes = vectorIndexes;
        this.jdbc = jdbc;
        this.namedJdbc = namedJdbc;
        this.transactions = transactions;
        this.chunking = chunking;
        this.embedder = embedder;
        this.model = embedder.name();
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.claims = new Claims(jdbc, "ingestion_items", "claim_token", "heartbeat_at", "status = 'RUNNING'",
                "status = 'QUEUED', attempts = greatest(attempts - 1, 0)", properties.staleAfter());
        this.documentsDone = meters.counter("lore.ingestion.documents", "outcome", "done");
        this.documentsFailed = meters.counter("lore.ingestion.documents", "outcome", "failed");
        this.chunksDone = meters.counter("lore.ingestion.chunks");
        this.claimsLost = meters.counter("lore.ingestion.claims.lost");
        this.parseTimer = meters.timer("lore.ingestion.stage", "stage", "parse");
        this.embedTimer = meters.timer("lore.ingestion.stage", "stage", "embed");
        this.storeTimer = meters.timer("lore.ingestion.stage", "stage", "store");
    }

    @TransactionalEventListener
    void on(IngestionSubmitted submitted) {
        log.info("Ingestion {} queued: {} document(s) for collection '{}'", submitted.ingestionId(),
                submitted.documents(), submitted.collection());
        wake();
    }

    /** Schedules one drain of the queue unless one is already waiting to run; also polls for other instances' work. */
    @Scheduled(fixedDelayString = "${lore.documents.poll-interval:2s}")
    void wake() {
        if (properties.workerEnabled() && System.nanoTime() - embedderBackAt >= 0) {
            worker.wake();
        }
    }

    /** Keeps this instance's claims alive while it works on them. */
    @Scheduled(fixedDelayString = "${lore.documents.heartbeat-interval:5s}")
    void heartbeat() {
        claims.beat(held);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
        CoalescingWorker.stop(storer);
        release();
    }

    /** Hands back what this instance still holds, so that another takes it at once; the attempt does not count. */
    void release() {
        if (!held.isEmpty()) {
            int released = claims.release(held.toArray(UUID[]::new));
            log.info("Stopping: {} claimed document(s) handed back to the queue", released);
            held.clear();
        }
    }

    record Item(long id, UUID ingestionId, long collectionId, UUID documentId, String source, String title,
            String mediaType, String sha256, String metadata, byte[] payload, String collectionEmbedder) {

        Item withoutPayload() {
            return new Item(id, ingestionId, collectionId, documentId, source, title, mediaType, sha256, metadata,
                    null, collectionEmbedder);
        }
    }

    /** Items claimed together under one token; parsing replaces each with its payload-free copy. */
    record Claim(UUID token, List<Item> items) {
    }

    /** {@code original}: the bytes kept with the document ({@code lore.documents.keep-originals}), or null. */
    private record Prepared(Item item, ParsedDocument document, List<Chunk> chunks, byte[] original) {
    }

    private record Embedded(Claim claim, List<Prepared> prepared, List<float[]> vectors) {
    }

    /**
     * Works through the queue. While one batch is being stored (mostly PostgreSQL's work: index inserts and
     * full-text vectors), the next is claimed, parsed and embedded, so neither the database nor ONNX Runtime waits
     * for the other. Each round claims a batch of fresh items and at most one suspect, which is processed alone.
     */
    void drain() {
        Future<?> storing = CompletableFuture.completedFuture(null);
        try {
            boolean worked = false;
            while (!worker.stopping()) {
                settleFollowers();
                List<Claim> claims = Stream.of(claimFresh(), claimSuspect()).filter(c -> !c.items().isEmpty())
                        .toList();
                if (claims.isEmpty()) {
                    break;
                }
                worked = true;
                boolean embedderDown = false;
                for (Claim claim : claims) {
                    Embedded embedded = embedderDown ? null : prepareAndEmbed(claim);
                    if (embedded == null) {
                        embedderDown = true;
                        handBack(claim);
                        continue;
                    }
                    storing.get();
                    storing = storer.submit(() -> store(embedded));
                }
                if (embedderDown) {
                    break;
                }
            }
            storing.get();
            settleFollowers();
            if (worked) {
                // the backlog has drained: a collection that a load made large gets its index built in bulk now
                vectorIndexes.wake();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (Exception | Error e) {
            // without heartbeats, the claims held here lapse and are taken over (and counted) after staleAfter
            held.clear();
            log.error("Ingestion worker failed; claimed work is retried after lore.documents.stale-after", e);
        }
    }

    /**
     * Returns a claim's unfinished items to the queue without counting the attempt: the embedder was unavailable,
     * which says nothing about the documents, and none of their chunks was stored.
     */
    private void handBack(Claim claim) {
        try {
            claims.release(claim.token());
        }
        finally {
            // a hand-back that failed must not leave the items' heartbeat beating: they lapse and are taken over
            held.remove(claim.token());
        }
    }

    /**
     * Which items this instance can embed: those of collections made with its model. An item of another model's
     * collection (accepted by an instance that runs it, in a deployment whose instances run different models for a
     * while) waits for one of those instances instead of being failed here.
     */
    private static final String OWN_MODEL = "collection_id IN (SELECT id FROM collections WHERE embedder = :embedder)";

    /** Claims queued items in order, up to {@code workerBatch} of them and {@code maxClaimBytes} of payload. */
    Claim claimFresh() {
        return claim("""
                SELECT id, coalesce(octet_length(payload), 0) FROM ingestion_items
                WHERE status = 'QUEUED' AND payload IS NOT NULL AND %s
                ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED""".formatted(OWN_MODEL), properties.workerBatch());
    }

    /**
     * Takes over one item whose worker stopped sending heartbeats, after failing those that have had all their
     * attempts. A suspect runs alone: if it kills its worker again, it takes no other document with it.
     */
    Claim claimSuspect() {
        List<String> exhausted = transactions.execute(tx -> jdbc.sql("""
                UPDATE ingestion_items SET status = 'FAILED', payload = NULL, finished_at = :now,
                    error = 'Processing stopped ' || attempts || ' times before it finished (the instance working on'
                        || ' it died or lost its database connection); giving up'
                WHERE %s AND attempts >= :max
                RETURNING id, ingestion_id, source, error""".formatted(claims.lapsed()))
                .param("now", OffsetDateTime.now(clock)).param("max", properties.maxAttempts())
                .query((rs, n) -> {
                    log.warn("Ingestion {}: document {} FAILED: {}", rs.getObject(2), rs.getString(3),
                            rs.getString(4));
                    return rs.getString(3);
                }).list());
        exhausted.forEach(x -> documentsFailed.increment());
        return claim("""
                SELECT id, 0 FROM ingestion_items
                WHERE %s AND %s
                ORDER BY heartbeat_at LIMIT 1 FOR UPDATE SKIP LOCKED""".formatted(claims.lapsed(), OWN_MODEL), 1);
    }

    private Claim claim(String candidates, int limit) {
        UUID token = UUID.randomUUID();
        held.add(token);
        List<Item> items = transactions.execute(tx -> {
            List<long[]> found = jdbc.sql(candidates).param("limit", limit).param("embedder", model)
                    .query((rs, n) -> new long[] { rs.getLong(1), rs.getLong(2) }).list();
            List<Long> ids = new ArrayList<>();
            long bytes = 0;
            for (long[] candidate : found) {
                if (!ids.isEmpty() && bytes + candidate[1] > properties.maxClaimBytes().toBytes()) {
                    break;
                }
                ids.add(candidate[0]);
                bytes += candidate[1];
            }
            if (ids.isEmpty()) {
                return List.<Item>of();
            }
            return jdbc.sql("""
                    UPDATE ingestion_items i SET status = 'RUNNING', claimed_at = :now, %s, attempts = i.attempts + 1
                    FROM collections c
                    WHERE c.id = i.collection_id AND i.id = ANY(:ids)
                    RETURNING i.id, i.ingestion_id, i.collection_id, i.document_id, i.source, i.title, i.media_type,
                              i.sha256, i.metadata::text AS metadata, i.payload, c.embedder"""
                    .formatted(claims.take()))
                    .param("now", OffsetDateTime.now(clock)).param("token", token)
                    .param("ids", ids.toArray(Long[]::new))
                    .query((rs, n) -> new Item(rs.getLong("id"), rs.getObject("ingestion_id", UUID.class),
                            rs.getLong("collection_id"), rs.getObject("document_id", UUID.class),
                            rs.getString("source"), rs.getString("title"), rs.getString("media_type"),
                            rs.getString("sha256"), rs.getString("metadata"), rs.getBytes("payload"),
                            rs.getString("embedder")))
                    .list();
        });
        if (items.isEmpty()) {
            held.remove(token);
        }
        return new Claim(token, new ArrayList<>(items));
    }

    /** Parses, chunks and embeds a claim's items and stores them: the whole pipeline on the calling thread. */
    void process(Claim claim) throws InterruptedException {
        Embedded embedded = prepareAndEmbed(claim);
        if (embedded == null) {
            handBack(claim);
        }
        else {
            store(embedded);
        }
    }

    /** Returns {@code null} when the embedder is unavailable: the claim is then to be handed back. */
    private Embedded prepareAndEmbed(Claim claim) throws InterruptedException {
        long parseStart = System.nanoTime();
        List<Prepared> prepared = new ArrayList<>();
        for (ListIterator<Item> items = claim.items().listIterator(); items.hasNext();) {
            Item item = items.next();
            // unless originals are kept, the payload (up to max-file-size) is let go once parsed, while the batch is
            // embedded and stored
            items.set(item.withoutPayload());
            // re-embedded to another model between the claim and now
            if (!item.collectionEmbedder().equals(embedder.name())) {
                fail(claim, item, "The collection is embedded with " + item.collectionEmbedder()
                        + " but this instance runs " + embedder.name());
                continue;
            }
            try {
                ParsedDocument document = chunking.parse(item.payload(), item.mediaType(), item.source(),
                        item.title());
                prepared.add(new Prepared(item.withoutPayload(), document, chunking.chunk(document),
                        properties.keepOriginals() ? item.payload() : null));
            }
            catch (UnreadableDocument e) {
                fail(claim, item, e.getMessage());
            }
            catch (RuntimeException | StackOverflowError e) {
                log.warn("Could not chunk {} ({})", item.source(), item.mediaType(), e);
                fail(claim, item, "Could not split the document into chunks: " + e.getClass().getSimpleName());
            }
        }
        parseTimer.record(System.nanoTime() - parseStart, TimeUnit.NANOSECONDS);
        if (prepared.isEmpty()) {
            return new Embedded(claim, List.of(), List.of());
        }
        List<String> texts = prepared.stream().flatMap(p -> p.chunks().stream()).map(Chunk::embeddingText).toList();
        List<float[]> vectors;
        try {
            long start = System.nanoTime();
            vectors = embedder.embedDocuments(texts);
            embedTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        catch (ModelUnavailable down) {
            // nothing is wrong with the documents: they wait in the queue (the caller hands them back) and the
            // worker pauses for as long as the embedder asked, or its circuit breaker stays open
            Duration wait = down.retryAfter() == null ? Duration.ofSeconds(5) : down.retryAfter();
            embedderBackAt = System.nanoTime() + wait.toNanos();
            log.warn("The embedder is unavailable ({}); {} document(s) wait in the queue, tried again in {}",
                    down.getMessage(), prepared.size(), wait);
            return null;
        }
        catch (RuntimeException e) {
            log.error("Embedding failed for {} chunk(s)", texts.size(), e);
            prepared.forEach(p -> fail(claim, p.item(), "Embedding failed: " + e.getMessage()));
            return new Embedded(claim, List.of(), List.of());
        }
        return new Embedded(claim, prepared, vectors);
    }

    private void store(Embedded embedded) {
        try {
            if (!embedded.prepared().isEmpty()) {
                storeAll(embedded);
            }
        }
        finally {
            held.remove(embedded.claim().token());
        }
    }

    private void storeAll(Embedded embedded) {
        List<Prepared> prepared = embedded.prepared();
        List<float[]> vectors = embedded.vectors();
        long storeStart = System.nanoTime();
        List<List<float[]>> vectorsPerDocument = new ArrayList<>();
        int offset = 0;
        for (Prepared p : prepared) {
            vectorsPerDocument.add(vectors.subList(offset, offset + p.chunks().size()));
            offset += p.chunks().size();
        }
        UUID token = embedded.claim().token();
        try {
            // one transaction for the batch: each document still lands whole, and commits cost one sync, not one each
            List<Prepared> stored = transactions.execute(tx -> {
                Map<Long, String> embedders = lockCollections(prepared);
                List<Prepared> committed = new ArrayList<>();
                for (int i = 0; i < prepared.size(); i++) {
                    if (commit(token, prepared.get(i), vectorsPerDocument.get(i), embedders)) {
                        committed.add(prepared.get(i));
                    }
                }
                return committed;
            });
            stored.forEach(this::counted);
        }
        catch (RuntimeException batchFailure) {
            log.warn("Storing a batch of {} documents failed ({}); storing them one by one", prepared.size(),
                    batchFailure.getMessage());
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                List<float[]> own = vectorsPerDocument.get(i);
                try {
                    if (Boolean.TRUE.equals(transactions.execute(
                            tx -> commit(token, p, own, lockCollections(List.of(p)))))) {
                        counted(p);
                    }
                }
                catch (RuntimeException e) {
                    log.error("Could not store {}", p.item().source(), e);
                    fail(embedded.claim(), p.item(), "Could not store the document: " + rootMessage(e));
                }
            }
        }
        storeTimer.record(System.nanoTime() - storeStart, TimeUnit.NANOSECONDS);
        settleFollowers();
    }

    /**
     * Locks the batch's collections in id order and reads their embedders. The chunk statistics triggers update
     * these rows as chunks arrive; taking the locks up front, always in the same order, keeps two batches that
     * span the same collections from deadlocking, and a re-embedding cannot switch a collection's model under them.
     */
    private Map<Long, String> lockCollections(List<Prepared> prepared) {
        Long[] ids = prepared.stream().map(p -> p.item().collectionId()).distinct().sorted().toArray(Long[]::new);
        Map<Long, String> embedders = new LinkedHashMap<>();
        jdbc.sql("SELECT id, embedder FROM collections WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE")
                .param("ids", ids)
                .query((ResultSet rs) -> {
                    embedders.put(rs.getLong(1), rs.getString(2));
                });
        return embedders;
    }

    private void counted(Prepared p) {
        documentsDone.increment();
        chunksDone.increment(p.chunks().size());
    }

    /**
     * Stores one document with its chunks and marks its item done, if this worker still holds the item's claim and
     * the collection still uses the embedder that made the vectors; returns whether it stored anything.
     */
    private boolean commit(UUID token, Prepared p, List<float[]> vectors, Map<Long, String> embedders) {
        Item item = p.item();
        OffsetDateTime now = OffsetDateTime.now(clock);
        String embedderNow = embedders.get(item.collectionId());
        if (embedderNow == null) {
            return false; // the collection was deleted, and its items with it
        }
        if (!embedderNow.equals(embedder.name())) {
            finish(token, item, "FAILED", 0, false, "The collection was re-embedded with " + embedderNow
                    + " while this document was processed with " + embedder.name() + "; upload it again");
            return false;
        }
        if (!finish(token, item, "DONE", p.chunks().size(), false, null)) {
            return false;
        }
        Map<String, Object> metadata = new LinkedHashMap<>(p.document().metadata());
        metadata.putAll(json.readValue(item.metadata(), new TypeReference<Map<String, Object>>() {
        }));
        int inserted = jdbc.sql("""
                INSERT INTO documents (id, collection_id, source, title, sha256, media_type, metadata, chunks, created_at)
                VALUES (:id, :collection, :source, :title, :sha, :mediaType, CAST(:metadata AS jsonb), :chunks, :now)
                ON CONFLICT DO NOTHING""")
                .param("id", item.documentId()).param("collection", item.collectionId())
                .param("source", item.source()).param("title", p.document().title()).param("sha", item.sha256())
                .param("mediaType", item.mediaType()).param("metadata", json.writeValueAsString(metadata))
                .param("chunks", p.chunks().size()).param("now", now)
                .update();
        if (inserted == 0) {
            // the same bytes were stored meanwhile (under another id if two uploads raced): point at that document
            jdbc.sql("""
                    UPDATE ingestion_items SET duplicate = true, chunks = 0, document_id = coalesce(
                        (SELECT id FROM documents WHERE collection_id = :collection AND sha256 = :sha), document_id)
                    WHERE id = :id""")
                    .param("collection", item.collectionId()).param("sha", item.sha256()).param("id", item.id())
                    .update();
            return false;
        }
        List<Chunk> chunks = p.chunks();
        MapSqlParameterSource[] rows = new MapSqlParameterSource[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            Chunk chunk = chunks.get(i);
            rows[i] = new MapSqlParameterSource().addValue("id", UUID.randomUUID())
                    .addValue("document", item.documentId()).addValue("collection", item.collectionId())
                    .addValue("ordinal", chunk.ordinal()).addValue("source", item.source())
                    .addValue("title", p.document().title()).addValue("heading", chunk.headingPath())
                    .addValue("text", chunk.text()).addValue("embedding", new PGvector(vectors.get(i)));
        }
        namedJdbc.batchUpdate("""
                INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text,
                                    embedding)
                VALUES (:id, :document, :collection, :ordinal, :source, :title, :heading, :text, :embedding)""",
                rows);
        if (p.original() != null) {
            jdbc.sql("INSERT INTO document_originals (document_id, media_type, bytes) VALUES (:id, :mediaType, :bytes)")
                    .param("id", item.documentId()).param("mediaType", item.mediaType())
                    .param("bytes", p.original()).update();
        }
        return true;
    }

    /**
     * Ends an item, fenced on its claim: nothing changes unless it is still RUNNING under this token. Returns
     * whether it did.
     */
    private boolean finish(UUID token, Item item, String status, int chunks, boolean duplicate, String error) {
        if (!claims.finish(token, item.id(), """
                status = :status, duplicate = duplicate OR :duplicate, chunks = :chunks, error = :error,
                payload = NULL, finished_at = :now""", sql -> sql.param("status", status).param("duplicate", duplicate)
                .param("chunks", chunks).param("error", error).param("now", OffsetDateTime.now(clock)))) {
            claimsLost.increment();
            log.warn("Ingestion {}: document {} was taken over by another worker; this worker's result is dropped",
                    item.ingestionId(), item.source());
            return false;
        }
        if (status.equals("FAILED")) {
            documentsFailed.increment();
            log.warn("Ingestion {}: document {} FAILED: {}", item.ingestionId(), item.source(), error);
        }
        return true;
    }

    private void fail(Claim claim, Item item, String reason) {
        transactions.executeWithoutResult(tx -> finish(claim.token(), item, "FAILED", 0, false, reason));
    }

    /**
     * Settles uploads that waited, without a payload, for an identical document that was still in the queue: done
     * (pointing at the stored document) once it is stored, failed with its reason if it failed.
     */
    void settleFollowers() {
        jdbc.sql("""
                UPDATE ingestion_items f SET finished_at = :now,
                    status = CASE WHEN d.id IS NULL THEN 'FAILED' ELSE 'DONE' END,
                    document_id = coalesce(d.id, f.document_id),
                    error = CASE WHEN d.id IS NULL THEN 'An identical upload failed: ' || coalesce((
                        SELECT o.error FROM ingestion_items o WHERE o.collection_id = f.collection_id
                            AND o.sha256 = f.sha256 AND o.status = 'FAILED' ORDER BY o.id DESC LIMIT 1), 'unknown')
                        END
                FROM ingestion_items f2 LEFT JOIN documents d ON d.collection_id = f2.collection_id
                    AND d.sha256 = f2.sha256
                WHERE f2.id = f.id AND f.status = 'QUEUED' AND f.payload IS NULL
                  AND NOT EXISTS (SELECT 1 FROM ingestion_items o WHERE o.collection_id = f.collection_id
                      AND o.sha256 = f.sha256 AND o.status IN ('QUEUED', 'RUNNING') AND o.payload IS NOT NULL)""")
                .param("now", OffsetDateTime.now(clock)).update();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
