package dev.lore.documents;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.documents.internal.StoredChunks;
import dev.lore.web.LoreException;
import dev.lore.web.ReadReplica;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The committed documents of a collection: list, read and delete (chunks go with their document). */
@Service
public class Documents {

    private final JdbcClient jdbc;
    private final JdbcClient reads;
    private final Collections collections;
    private final JsonMapper json;

    Documents(JdbcClient jdbc, ReadReplica reads, Collections collections, JsonMapper json) {
        this.jdbc = jdbc;
        this.reads = reads.jdbc();
        this.collections = collections;
        this.json = json;
    }

    /** What {@code GET .../documents/{id}} answers: a stored document, or the state of one not (yet) stored. */
    sealed interface DocumentView permits DocumentSummary, PendingDocument {
    }

    /** A stored document; {@code status} is DONE (a document exists only once all its chunks do). */
    record DocumentSummary(UUID id, String source, String title, int chunks, String sha256, String mediaType,
            OffsetDateTime createdAt, Map<String, Object> metadata, String status) implements DocumentView {
    }

    /** A document still in the queue, or one that failed: what its latest upload says. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PendingDocument(UUID id, String source, String status, String error, UUID ingestionId)
            implements DocumentView {
    }

    /** Stored documents in the order they were stored (ties by id), a page at a time. */
    List<DocumentSummary> list(String collectionName, int limit, int offset) {
        CollectionRef collection = collections.readable(collectionName);
        return documents(reads, "collection_id = :collection ORDER BY created_at, id LIMIT :limit OFFSET :offset",
                collection.id(), null, limit, offset);
    }

    /** A stored document, or else the status of its latest upload; 404 when neither exists in the collection. */
    DocumentView get(String collectionName, UUID id) {
        CollectionRef collection = collections.readable(collectionName);
        List<DocumentSummary> stored = documents(jdbc, "collection_id = :collection AND id = :id", collection.id(), id, 1,
                0);
        if (!stored.isEmpty()) {
            return stored.get(0);
        }
        return jdbc.sql("""
                SELECT document_id, source, status, error, ingestion_id FROM ingestion_items
                WHERE collection_id = :collection AND document_id = :id ORDER BY id DESC LIMIT 1""")
                .param("collection", collection.id()).param("id", id)
                .query((rs, n) -> (DocumentView) new PendingDocument(rs.getObject(1, UUID.class), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getObject(5, UUID.class)))
                .optional().orElseThrow(() -> notFound(collectionName, id));
    }

    /**
     * A stored document's text as its chunks hold it, section by section (heading path and text, the chunks'
     * overlap taken out), cut after {@code maxChars} characters; 404 when the collection holds no such document.
     */
    public record DocumentText(UUID id, String source, String title, Map<String, Object> metadata,
            List<Section> sections, int characters, boolean truncated) {

        /** A run of the document under one heading path ("A > B"; empty before the first heading). */
        public record Section(String headingPath, String text) {
        }
    }

    public DocumentText read(String collectionName, UUID id, int maxChars) {
        CollectionRef collection = collections.readable(collectionName);
        DocumentSummary document = documents(jdbc, "collection_id = :collection AND id = :id", collection.id(), id, 1, 0)
                .stream().findFirst().orElseThrow(() -> notFound(collectionName, id));
        List<StoredChunks.Stored> chunks = jdbc.sql(
                "SELECT ordinal, heading_path, text FROM chunks WHERE document_id = :id ORDER BY ordinal")
                .param("id", id)
                .query((rs, n) -> new StoredChunks.Stored(rs.getInt(1), rs.getString(2), rs.getString(3))).list();
        List<DocumentText.Section> sections = new java.util.ArrayList<>();
        int characters = 0;
        boolean truncated = false;
        for (StoredChunks.Run run : StoredChunks.runs(chunks)) {
            if (characters >= maxChars) {
                truncated = true;
                break;
            }
            String text = run.text();
            if (characters + text.length() > maxChars) {
                text = text.substring(0, maxChars - characters);
                truncated = true;
            }
            characters += text.length();
            sections.add(new DocumentText.Section(run.headingPath(), text));
        }
        return new DocumentText(document.id(), document.source(), document.title(), document.metadata(), sections,
                characters, truncated);
    }

    private List<DocumentSummary> documents(JdbcClient jdbc, String where, long collection, UUID id, int limit, int offset) {
        return jdbc.sql("""
                SELECT id, source, title, chunks, sha256, media_type, created_at, metadata::text FROM documents
                WHERE %s""".formatted(where))
                .param("collection", collection).param("id", id).param("limit", limit).param("offset", offset)
                .query((rs, n) -> new DocumentSummary(rs.getObject("id", UUID.class), rs.getString("source"),
                        rs.getString("title"), rs.getInt("chunks"), rs.getString("sha256"),
                        rs.getString("media_type"), rs.getObject("created_at", OffsetDateTime.class),
                        json.readValue(rs.getString("metadata"), new TypeReference<Map<String, Object>>() {
                        }), "DONE"))
                .list();
    }

    private static LoreException notFound(String collectionName, UUID id) {
        return LoreException.notFound("document-not-found", "Document not found",
                "No document " + id + " in collection '" + collectionName + "'");
    }

    @Transactional
    void delete(String collectionName, UUID id) {
        CollectionRef collection = collections.writable(collectionName);
        int deleted = jdbc.sql("DELETE FROM documents WHERE id = :id AND collection_id = :collection")
                .param("id", id).param("collection", collection.id()).update();
        if (deleted == 0) {
            throw notFound(collectionName, id);
        }
    }
}
