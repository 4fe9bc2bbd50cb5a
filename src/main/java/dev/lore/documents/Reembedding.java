package dev.lore.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import com.pgvector.PGvector;

import dev.lore.documents.internal.Chunker;
import dev.lore.models.Embedder;
import dev.lore.web.LoreException;

/**
 * Moves a collection to the embedder this instance runs: every chunk is embedded again and the collection's model
 * switches in the same transaction, so searches see the old vectors or the new ones, never a mix.
 */
@Service
class Reembedding {

    private static final Logger log = LoggerFactory.getLogger(Reembedding.class);
    private static final int BATCH = 64;

    private final Collections collections;
    private final Embedder embedder;
    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate namedJdbc;

    Reembedding(Collections collections, Embedder embedder, JdbcClient jdbc, NamedParameterJdbcTemplate namedJdbc) {
        this.collections = collections;
        this.embedder = embedder;
        this.jdbc = jdbc;
        this.namedJdbc = namedJdbc;
    }

    record Result(String collection, String previousEmbedder, String embedder, long chunks, long millis) {
    }

    private record Row(UUID id, String title, String headingPath, String text) {
    }

    @Transactional
    Result reembed(String name) {
        CollectionRef collection = collections.writable(name);
        if (collection.embedder().equals(embedder.name())) {
            return new Result(name, collection.embedder(), embedder.name(), 0, 0);
        }
        if (collection.dimension() != embedder.dimension()) {
            throw LoreException.conflict("embedder-mismatch", "Embedder mismatch", "Collection '" + name
                    + "' holds " + collection.dimension() + "-dimensional vectors and " + embedder.name() + " makes "
                    + embedder.dimension() + "; create a new collection for it");
        }
        jdbc.sql("SELECT pg_advisory_xact_lock(:key)").param("key", collection.id()).query(Object.class).list();
        long start = System.nanoTime();
        List<Row> rows = jdbc.sql("""
                SELECT id, title, heading_path, text FROM chunks WHERE collection_id = :collection ORDER BY id""")
                .param("collection", collection.id())
                .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4)))
                .list();
        log.info("Re-embedding {} chunks of collection {} from {} to {}", rows.size(), name, collection.embedder(),
                embedder.name());
        for (int i = 0; i < rows.size(); i += BATCH) {
            List<Row> batch = rows.subList(i, Math.min(rows.size(), i + BATCH));
            List<float[]> vectors = embedder.embedDocuments(batch.stream()
                    .map(row -> Chunker.embeddingText(row.title(), row.headingPath(), row.text())).toList());
            List<MapSqlParameterSource> updates = new ArrayList<>();
            for (int j = 0; j < batch.size(); j++) {
                updates.add(new MapSqlParameterSource().addValue("id", batch.get(j).id())
                        .addValue("embedding", new PGvector(vectors.get(j))));
            }
            namedJdbc.batchUpdate("UPDATE chunks SET embedding = :embedding WHERE id = :id",
                    updates.toArray(MapSqlParameterSource[]::new));
            if ((i / BATCH) % 20 == 19) {
                log.info("Re-embedded {}/{} chunks of collection {}", i + batch.size(), rows.size(), name);
            }
        }
        jdbc.sql("UPDATE collections SET embedder = :embedder, dimension = :dimension WHERE id = :id")
                .param("embedder", embedder.name()).param("dimension", embedder.dimension())
                .param("id", collection.id()).update();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        log.info("Collection {} now embedded with {} ({} chunks, {} ms)", name, embedder.name(), rows.size(), millis);
        return new Result(name, collection.embedder(), embedder.name(), rows.size(), millis);
    }
}
