package dev.lore.documents;

import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.commons.codec.digest.DigestUtils;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.web.LoreException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Accepts uploads as ingestion jobs and reports their progress. A job's documents are stored with their bytes and
 * processed by {@link IngestionWorker}; identical bytes in one collection always map to one document id.
 */
@Service
class Ingestions {

    private final JdbcClient jdbc;
    private final Collections collections;
    private final ApplicationEventPublisher events;
    private final JsonMapper json;
    private final Clock clock;
    private final DocumentsProperties properties;

    Ingestions(JdbcClient jdbc, Collections collections, ApplicationEventPublisher events, JsonMapper json,
            Clock clock, DocumentsProperties properties) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.collections = collections;
        this.events = events;
        this.json = json;
        this.clock = clock;
    }

    record Accepted(UUID ingestionId, List<AcceptedDocument> documents) {
    }

    /** {@code note}: what a duplicate upload did not change (the stored document keeps its source and metadata). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AcceptedDocument(UUID id, String source, String status, boolean duplicate, String note) {
    }

    private record Stored(UUID id, String source, boolean metadataKept) {
    }

    record Status(UUID id, String collection, String status, int documentsTotal, int documentsDone,
            int documentsFailed, long chunksDone, List<Map<String, String>> errors, List<DocumentStatus> documents,
            OffsetDateTime createdAt) {
    }

    record DocumentStatus(UUID id, String source, String status, boolean duplicate, int chunks, String error) {
    }

    @Transactional
    Accepted submit(String collectionName, List<Upload> uploads) {
        CollectionRef collection = collections.writable(collectionName);
        collections.checkEmbedder(collection);
        UUID ingestionId = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(clock);
        jdbc.sql("INSERT INTO ingestions (id, collection_id, created_at) VALUES (:id, :collection, :now)")
                .param("id", ingestionId).param("collection", collection.id()).param("now", now).update();
        lockCollection(collection);
        Map<String, UUID> idsInThisRequest = new HashMap<>();
        List<AcceptedDocument> accepted = new ArrayList<>();
        for (Upload upload : uploads) {
            String sha = sha256(upload.bytes());
            String metadata = json.writeValueAsString(upload.metadata());
            // pending before stored: a document committed between the two lookups is then still found as stored,
            // where the other order could miss it in both and queue its bytes under an id that never exists
            UUID sameRequest = idsInThisRequest.get(sha);
            Optional<UUID> pending = sameRequest != null ? Optional.empty() : pendingDocument(collection, sha);
            Optional<Stored> stored = sameRequest != null || pending.isPresent() ? Optional.empty()
                    : storedDocument(collection, sha, metadata);
            UUID existing = sameRequest != null ? sameRequest
                    : pending.or(() -> stored.map(Stored::id)).orElse(null);
            boolean duplicate = existing != null;
            UUID documentId = duplicate ? existing : UUID.randomUUID();
            idsInThisRequest.putIfAbsent(sha, documentId);
            boolean alreadyStored = stored.isPresent();
            String status = alreadyStored ? "DONE" : "QUEUED";
            // a duplicate of a queued document keeps no bytes: it settles when the original does
            jdbc.sql("""
                    INSERT INTO ingestion_items (ingestion_id, collection_id, document_id, source, title, media_type,
                        sha256, metadata, payload, status, duplicate, finished_at)
                    VALUES (:ingestion, :collection, :document, :source, :title, :mediaType, :sha,
                        CAST(:metadata AS jsonb), :payload, :status, :duplicate, :finished)""")
                    .param("ingestion", ingestionId).param("collection", collection.id())
                    .param("document", documentId).param("source", upload.source()).param("title", upload.title())
                    .param("mediaType", upload.format().mediaType()).param("sha", sha)
                    .param("metadata", metadata)
                    .param("payload", duplicate ? null : upload.bytes())
                    .param("status", status).param("duplicate", duplicate)
                    .param("finished", alreadyStored ? now : null)
                    .update();
            accepted.add(new AcceptedDocument(documentId, upload.source(), status, duplicate,
                    stored.map(s -> note(s, upload)).orElse(null)));
        }
        events.publishEvent(new IngestionSubmitted(ingestionId, collection.name(), uploads.size()));
        return new Accepted(ingestionId, accepted);
    }

    /**
     * Serialises uploads into one collection, so that two requests with the same bytes agree on one id; waits at
     * most {@code lockTimeout} (a request holding a pool connection must not queue behind a long operation).
     */
    private void lockCollection(CollectionRef collection) {
        try {
            jdbc.sql("SELECT set_config('lock_timeout', :timeout, true)")
                    .param("timeout", properties.lockTimeout().toMillis() + "ms").query(String.class).single();
            jdbc.sql("SELECT pg_advisory_xact_lock(:key)").param("key", collection.id()).query(Object.class).list();
        }
        catch (DataAccessException e) {
            // PostgreSQL's lock_timeout is SQLSTATE 55P03, which Spring leaves uncategorised for advisory locks
            if (e instanceof PessimisticLockingFailureException || (e.getMostSpecificCause() instanceof SQLException sql
                    && "55P03".equals(sql.getSQLState()))) {
                throw CollectionBusy.named(collection.name(), properties.lockTimeout(), e);
            }
            throw e;
        }
    }

    /** What a re-upload of stored bytes with another file name or other metadata did not change, if anything. */
    private static String note(Stored stored, Upload upload) {
        List<String> kept = new ArrayList<>();
        if (!stored.source().equals(upload.source())) {
            kept.add("source '" + stored.source() + "'");
        }
        if (!stored.metadataKept()) {
            kept.add("metadata");
        }
        return kept.isEmpty() ? null : "Identical to document " + stored.id() + ", which keeps its "
                + String.join(" and ", kept) + " (delete it and upload again to change them)";
    }

    private Optional<Stored> storedDocument(CollectionRef collection, String sha, String metadata) {
        return jdbc.sql("""
                SELECT id, source, metadata @> CAST(:metadata AS jsonb) FROM documents
                WHERE collection_id = :c AND sha256 = :sha""")
                .param("c", collection.id()).param("sha", sha).param("metadata", metadata)
                .query((rs, n) -> new Stored(rs.getObject(1, UUID.class), rs.getString(2), rs.getBoolean(3)))
                .optional();
    }

    private Optional<UUID> pendingDocument(CollectionRef collection, String sha) {
        return jdbc.sql("""
                SELECT document_id FROM ingestion_items
                WHERE collection_id = :c AND sha256 = :sha AND status IN ('QUEUED', 'RUNNING')
                LIMIT 1""")
                .param("c", collection.id()).param("sha", sha).query(UUID.class).optional();
    }

    Status status(UUID id) {
        record Job(long collectionId, OffsetDateTime createdAt) {
        }
        Job job = jdbc.sql("SELECT collection_id, created_at FROM ingestions WHERE id = :id")
                .param("id", id)
                .query((rs, n) -> new Job(rs.getLong(1), rs.getObject(2, OffsetDateTime.class)))
                .optional().orElseThrow(() -> notFound(id));
        // an ingestion of a collection the key may not see answers exactly like an unknown id
        String collection = collections.nameOf(job.collectionId()).filter(collections::isVisible)
                .orElseThrow(() -> notFound(id));
        List<DocumentStatus> documents = jdbc.sql("""
                SELECT document_id, source, status, duplicate, chunks, error FROM ingestion_items
                WHERE ingestion_id = :id ORDER BY id""")
                .param("id", id)
                .query((rs, n) -> new DocumentStatus(rs.getObject("document_id", UUID.class), rs.getString("source"),
                        rs.getString("status"), rs.getBoolean("duplicate"), rs.getInt("chunks"),
                        rs.getString("error")))
                .list();
        int done = (int) documents.stream().filter(d -> d.status().equals("DONE")).count();
        int failed = (int) documents.stream().filter(d -> d.status().equals("FAILED")).count();
        boolean started = documents.stream().anyMatch(d -> !d.status().equals("QUEUED"));
        String status = done + failed == documents.size() ? (failed > 0 ? "FAILED" : "DONE")
                : started ? "RUNNING" : "QUEUED";
        List<Map<String, String>> errors = documents.stream().filter(d -> d.error() != null)
                .map(d -> Map.of("documentId", d.id().toString(), "source", d.source(), "error", d.error()))
                .toList();
        long chunks = documents.stream().filter(d -> !d.duplicate()).mapToLong(DocumentStatus::chunks).sum();
        return new Status(id, collection, status, documents.size(), done, failed, chunks, errors, documents,
                job.createdAt());
    }

    private static LoreException notFound(UUID id) {
        return LoreException.notFound("ingestion-not-found", "Ingestion not found", "No ingestion with id " + id);
    }

    static String sha256(byte[] bytes) {
        return DigestUtils.sha256Hex(bytes);
    }
}
