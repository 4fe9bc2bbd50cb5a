package dev.lore.documents;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.lore.web.LoreException;

/** The committed documents of a collection: list and delete (chunks go with their document). */
@Service
class Documents {

    private final JdbcClient jdbc;
    private final Collections collections;

    Documents(JdbcClient jdbc, Collections collections) {
        this.jdbc = jdbc;
        this.collections = collections;
    }

    record DocumentSummary(UUID id, String source, String title, int chunks, String sha256, String mediaType,
            OffsetDateTime createdAt) {
    }

    List<DocumentSummary> list(String collectionName, int limit, int offset) {
        CollectionRef collection = collections.readable(collectionName);
        return jdbc.sql("""
                SELECT id, source, title, chunks, sha256, media_type, created_at FROM documents
                WHERE collection_id = :collection ORDER BY created_at, source LIMIT :limit OFFSET :offset""")
                .param("collection", collection.id()).param("limit", limit).param("offset", offset)
                .query((rs, n) -> new DocumentSummary(rs.getObject("id", UUID.class), rs.getString("source"),
                        rs.getString("title"), rs.getInt("chunks"), rs.getString("sha256"),
                        rs.getString("media_type"), rs.getObject("created_at", OffsetDateTime.class)))
                .list();
    }

    @Transactional
    void delete(String collectionName, UUID id) {
        CollectionRef collection = collections.writable(collectionName);
        int deleted = jdbc.sql("DELETE FROM documents WHERE id = :id AND collection_id = :collection")
                .param("id", id).param("collection", collection.id()).update();
        if (deleted == 0) {
            throw LoreException.notFound("document-not-found", "Document not found",
                    "No document " + id + " in collection '" + collectionName + "'");
        }
    }
}
