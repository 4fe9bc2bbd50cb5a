package dev.lore.documents;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
import dev.lore.documents.internal.Chunker;
import dev.lore.documents.internal.DocumentFormat;
import dev.lore.documents.internal.DocumentParser;
import dev.lore.documents.internal.ParsedDocument;
import dev.lore.documents.internal.UnreadableDocument;
import dev.lore.models.Embedder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Processes queued documents: parse, chunk, embed, then store each document together with all of its chunks, so a
 * document is either wholly visible or absent. A claimed batch commits in one transaction; if that fails, its
 * documents are stored one by one so that one bad document cannot sink the others. Work is claimed with {@code FOR UPDATE SKIP LOCKED}, so several instances share one queue, and an
 * item whose worker died is claimed again once {@code staleAfter} has passed.
 */
@Component
class IngestionWorker {

    private static final Logger log = LoggerFactory.getLogger(IngestionWorker.class);

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate namedJdbc;
    private final TransactionTemplate transactions;
    private final DocumentParser parser;
    private final Chunker chunker;
    private final Embedder embedder;
    private final DocumentsProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final VectorIndexes vectorIndexes;
    private final CoalescingWorker worker = new CoalescingWorker("ingestion-", this::drain);
    private final ExecutorService storer = Executors.newSingleThreadExecutor(
            new CustomizableThreadFactory("ingestion-store-"));
    private final Counter documentsDone;
    private final Counter documentsFailed;
    private final Counter chunksDone;
    private final Timer parseTimer;
    private final Timer embedTimer;
    private final Timer storeTimer;

    IngestionWorker(JdbcClient jdbc, NamedParameterJdbcTemplate namedJdbc, TransactionTemplate transactions,
            DocumentParser parser, Embedder embedder,
            DocumentsProperties properties, JsonMapper json, Clock clock, MeterRegistry meters,
            VectorIndexes vectorIndexes) {
        this.vectorIndexes = vectorIndexes;
        this.jdbc = jdbc;
        this.namedJdbc = namedJdbc;
        this.transactions = transactions;
        this.parser = parser;
        this.embedder = embedder;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.chunker = new Chunker(properties.chunkTokens(), properties.chunkOverlapTokens(), embedder::tokenStarts);
        this.documentsDone = meters.counter("lore.ingestion.documents", "outcome", "done");
        this.documentsFailed = meters.counter("lore.ingestion.documents", "outcome", "failed");
        this.chunksDone = meters.counter("lore.ingestion.chunks");
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
        worker.wake();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        worker.stop();
        CoalescingWorker.stop(storer);
    }

    private record Item(long id, UUID ingestionId, long collectionId, UUID documentId, String source, String title,
            String mediaType, String sha256, String metadata, byte[] payload, String collectionEmbedder) {
    }

    private record Prepared(Item item, ParsedDocument document, List<Chunk> chunks) {
    }

    /**
     * Works through the queue. While one batch is being stored (mostly PostgreSQL's work: index inserts and
     * full-text vectors), the next is claimed, parsed and embedded, so neither the database nor ONNX Runtime waits
     * for the other.
     */
    void drain() {
        Future<?> storing = CompletableFuture.completedFuture(null);
        try {
            List<Item> batch;
            boolean worked = false;
            while (!(batch = claim()).isEmpty() && !worker.stopping()) {
                worked = true;
                Embedded embedded = prepareAndEmbed(batch);
                storing.get();
                storing = embedded == null ? storing : storer.submit(() -> store(embedded));
            }
            storing.get();
            if (worked) {
                // the backlog has drained: a collection that a load made large gets its index built in bulk now
                vectorIndexes.wake();
            }
        }
        catch (RuntimeException | ExecutionException e) {
            log.error("Ingestion worker failed; queued work stays queued and is retried", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Item> claim() {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return transactions.execute(tx -> jdbc.sql("""
                UPDATE ingestion_items i SET status = 'RUNNING', claimed_at = :now
                FROM collections c
                WHERE c.id = i.collection_id AND i.id IN (
                    SELECT id FROM ingestion_items
                    WHERE status = 'QUEUED' OR (status = 'RUNNING' AND claimed_at < :stale)
                    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
                RETURNING i.id, i.ingestion_id, i.collection_id, i.document_id, i.source, i.title, i.media_type,
                          i.sha256, i.metadata::text AS metadata, i.payload, c.embedder""")
                .param("now", now).param("stale", now.minus(properties.staleAfter()))
                .param("limit", properties.workerBatch())
                .query((rs, n) -> new Item(rs.getLong("id"), rs.getObject("ingestion_id", UUID.class),
                        rs.getLong("collection_id"), rs.getObject("document_id", UUID.class), rs.getString("source"),
                        rs.getString("title"), rs.getString("media_type"), rs.getString("sha256"),
                        rs.getString("metadata"), rs.getBytes("payload"), rs.getString("embedder")))
                .list());
    }

    private record Embedded(List<Prepared> prepared, List<float[]> vectors) {
    }

    private Embedded prepareAndEmbed(List<Item> batch) {
        long parseStart = System.nanoTime();
        List<Prepared> prepared = new ArrayList<>();
        for (Item item : batch) {
            if (!item.collectionEmbedder().equals(embedder.name())) {
                fail(item, "The collection is embedded with " + item.collectionEmbedder() + " but this instance runs "
                        + embedder.name());
                continue;
            }
            try {
                ParsedDocument document = parser.parse(item.payload(), DocumentFormat.ofMediaType(item.mediaType()),
                        titleFromSource(item.source()));
                if (item.title() != null) {
                    document = new ParsedDocument(item.title(), document.sections(), document.metadata());
                }
                prepared.add(new Prepared(item, document, chunker.chunk(document)));
            }
            catch (UnreadableDocument e) {
                fail(item, e.getMessage());
            }
            catch (RuntimeException e) {
                log.warn("Could not parse {} ({})", item.source(), item.mediaType(), e);
                fail(item, "Could not parse the document: " + e.getClass().getSimpleName());
            }
        }
        parseTimer.record(System.nanoTime() - parseStart, TimeUnit.NANOSECONDS);
        if (prepared.isEmpty()) {
            return null;
        }
        List<String> texts = prepared.stream().flatMap(p -> p.chunks().stream()).map(Chunk::embeddingText).toList();
        List<float[]> vectors;
        try {
            long start = System.nanoTime();
            vectors = embedder.embedDocuments(texts);
            embedTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        catch (RuntimeException e) {
            log.error("Embedding failed for {} chunk(s)", texts.size(), e);
            prepared.forEach(p -> fail(p.item(), "Embedding failed: " + e.getMessage()));
            return null;
        }
        return new Embedded(prepared, vectors);
    }

    private void store(Embedded embedded) {
        List<Prepared> prepared = embedded.prepared();
        List<float[]> vectors = embedded.vectors();
        long storeStart = System.nanoTime();
        List<List<float[]>> vectorsPerDocument = new ArrayList<>();
        int offset = 0;
        for (Prepared p : prepared) {
            vectorsPerDocument.add(vectors.subList(offset, offset + p.chunks().size()));
            offset += p.chunks().size();
        }
        try {
            // one transaction for the batch: each document still lands whole, and commits cost one sync, not one each
            transactions.executeWithoutResult(tx -> {
                for (int i = 0; i < prepared.size(); i++) {
                    commit(prepared.get(i), vectorsPerDocument.get(i));
                }
            });
            prepared.forEach(this::counted);
        }
        catch (RuntimeException batchFailure) {
            log.warn("Storing a batch of {} documents failed ({}); storing them one by one", prepared.size(),
                    batchFailure.getMessage());
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                List<float[]> own = vectorsPerDocument.get(i);
                try {
                    transactions.executeWithoutResult(tx -> commit(p, own));
                    counted(p);
                }
                catch (RuntimeException e) {
                    log.error("Could not store {}", p.item().source(), e);
                    fail(p.item(), "Could not store the document: " + e.getMessage());
                }
            }
        }
        storeTimer.record(System.nanoTime() - storeStart, TimeUnit.NANOSECONDS);
    }

    private void counted(Prepared p) {
        documentsDone.increment();
        chunksDone.increment(p.chunks().size());
    }

    private void commit(Prepared p, List<float[]> vectors) {
        Item item = p.item();
        OffsetDateTime now = OffsetDateTime.now(clock);
        Map<String, Object> metadata = new java.util.LinkedHashMap<>(p.document().metadata());
        metadata.putAll(json.readValue(item.metadata(), new TypeReference<Map<String, Object>>() {
        }));
        String metadataJson = json.writeValueAsString(metadata);
        int inserted = jdbc.sql("""
                INSERT INTO documents (id, collection_id, source, title, sha256, media_type, metadata, chunks, created_at)
                VALUES (:id, :collection, :source, :title, :sha, :mediaType, CAST(:metadata AS jsonb), :chunks, :now)
                ON CONFLICT DO NOTHING""")
                .param("id", item.documentId()).param("collection", item.collectionId())
                .param("source", item.source()).param("title", p.document().title()).param("sha", item.sha256())
                .param("mediaType", item.mediaType()).param("metadata", metadataJson)
                .param("chunks", p.chunks().size()).param("now", now)
                .update();
        boolean duplicate = inserted == 0;
        if (!duplicate) {
            List<Chunk> chunks = p.chunks();
            MapSqlParameterSource[] rows = new MapSqlParameterSource[chunks.size()];
            for (int i = 0; i < chunks.size(); i++) {
                Chunk chunk = chunks.get(i);
                rows[i] = new MapSqlParameterSource().addValue("id", UUID.randomUUID())
                        .addValue("document", item.documentId()).addValue("collection", item.collectionId())
                        .addValue("ordinal", chunk.ordinal()).addValue("source", item.source())
                        .addValue("title", p.document().title()).addValue("heading", chunk.headingPath())
                        .addValue("text", chunk.text()).addValue("metadata", metadataJson)
                        .addValue("embedding", new PGvector(vectors.get(i)));
            }
            namedJdbc.batchUpdate("""
                    INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text,
                                        metadata, embedding)
                    VALUES (:id, :document, :collection, :ordinal, :source, :title, :heading, :text,
                            CAST(:metadata AS jsonb), :embedding)""", rows);
        }
        jdbc.sql("""
                UPDATE ingestion_items SET status = 'DONE', duplicate = duplicate OR :duplicate, chunks = :chunks,
                    payload = NULL, finished_at = :now WHERE id = :id""")
                .param("duplicate", duplicate).param("chunks", duplicate ? 0 : p.chunks().size())
                .param("now", now).param("id", item.id()).update();
    }

    private void fail(Item item, String reason) {
        documentsFailed.increment();
        log.warn("Ingestion {}: document {} FAILED: {}", item.ingestionId(), item.source(), reason);
        transactions.executeWithoutResult(tx -> jdbc.sql("""
                UPDATE ingestion_items SET status = 'FAILED', error = :error, payload = NULL, finished_at = :now
                WHERE id = :id""")
                .param("error", reason).param("now", OffsetDateTime.now(clock)).param("id", item.id()).update());
    }

    private static String titleFromSource(String source) {
        String name = source.substring(source.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
