package dev.lore.documents;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
        long total = jdbc.sql("SELECT chunk_count FROM collections WHERE id = :id").param("id", collection.id())
                .query(Long.class).single();
        log.info("Re-embedding {} chunks of collection {} from {} to {}", total, name, collection.embedder(),
                embedder.name());
        // the chunks stream from a cursor, a batch at a time, so a large collection never sits in memory whole;
        // the cursor's snapshot does not see the rows this transaction updates behind it
        long done = 0;
        try (Stream<Row> rows = jdbc.sql("""
                SELECT id, title, heading_path, text FROM chunks WHERE collection_id = :collection""")
                .param("collection", collection.id()).withFetchSize(BATCH)
                .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4)))
                .stream()) {
            Iterator<Row> cursor = rows.iterator();
            List<Row> batch = new ArrayList<>(BATCH);
            while (cursor.hasNext()) {
                batch.add(cursor.next());
                if (batch.size() == BATCH || !cursor.hasNext()) {
                    update(batch);
                    done += batch.size();
                    batch.clear();
                    if (done % (20 * BATCH) == 0) {
                        log.info("Re-embedded {}/{} chunks of collection {}", done, total, name);
                    }
                }
            }
        }
        jdbc.sql("UPDATE collections SET embedder = :embedder, dimension = :dimension WHERE id = :id")
                .param("embedder", embedder.name()).param("dimension", embedder.dimension())
                .param("id", collection.id()).update();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        log.info("Collection {} now embedded with {} ({} chunks, {} ms)", name, embedder.name(), done, millis);
        return new Result(name, collection.embedder(), embedder.name(), done, millis);
    }

    private void update(List<Row> batch) {
        List<float[]> vectors = embedder.embedDocuments(batch.stream()
                .map(row -> Chunker.embeddingText(row.title(), row.headingPath(), row.text())).toList());
        MapSqlParameterSource[] updates = new MapSqlParameterSource[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            updates[i] = new MapSqlParameterSource().addValue("id", batch.get(i).id())
                    .addValue("embedding", new PGvector(vectors.get(i)));
        }
        namedJdbc.batchUpdate("UPDATE chunks SET embedding = :embedding WHERE id = :id", updates);
    }
}
