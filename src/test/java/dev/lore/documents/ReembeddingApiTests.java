package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.pgvector.PGvector;

import dev.lore.documents.internal.Chunker;
import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

class ReembeddingApiTests extends IntegrationTest {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Embedder embedder;

    @Autowired
    DataSource dataSource;

    @Test
    void aCollectionFromAnotherModelIsRefusedUntilReembeddedThenSearchesWithTheNewVectors() {
        String name = "reembed-tests";
        admin().post("/api/v1/collections", Map.of("name", name));
        List<Part> files = new java.util.ArrayList<>(List.of(
                Part.file("leave.md", "# Leave\n\nEmployees earn vacation days and annual leave every pay period.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one.\n")));
        // more chunks than one re-embedding batch (64), so the batches are read and written in turn (whether the
        // rows stream from a cursor or arrive at once is the driver's business and not visible here)
        for (int i = 0; i < 70; i++) {
            files.add(Part.file("note-" + i + ".md", "# Note " + i + "\n\nMeeting room " + i + " seats " + (i % 9 + 2)
                    + " people and has a screen.\n"));
        }
        assertThat(admin().ingest(name, files.toArray(Part[]::new)).path("status").asString()).isEqualTo("DONE");
        float[] stale = new float[embedder.dimension()];
        stale[0] = 1;
        jdbc.sql("UPDATE collections SET embedder = 'another-model' WHERE name = :n").param("n", name).update();
        jdbc.sql("UPDATE chunks SET embedding = :v WHERE collection_id = (SELECT id FROM collections WHERE name = :n)")
                .param("v", new PGvector(stale)).param("n", name).update();

        Api.Response refused = admin().post("/api/v1/search", Map.of("collection", name, "query", "vacation",
                "mode", "dense"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.problemType()).isEqualTo("embedder-mismatch");

        String reader = admin().post("/api/v1/keys", Map.of("name", "reembed-reader", "collections", List.of(name),
                "permissions", List.of("read"))).body().path("key").asString();
        assertThat(as(reader).post("/api/v1/collections/" + name + "/reembed", Map.of()).status()).isEqualTo(403);
        assertThat(as(reader).post("/api/v1/collections/absent/reembed", Map.of()).status()).isEqualTo(404);

        Api.Response started = admin().post("/api/v1/collections/" + name + "/reembed", Map.of());
        assertThat(started.status()).as(started.raw()).isEqualTo(202);
        String job = started.body().path("id").asString();
        assertThat(started.header("Location")).isEqualTo("/api/v1/reembeddings/" + job);
        assertThat(as(reader).get("/api/v1/reembeddings/" + job).status()).as("a reader sees its progress")
                .isEqualTo(200);
        Api.Response[] last = new Api.Response[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = admin().get("/api/v1/reembeddings/" + job);
            return !List.of("QUEUED", "RUNNING").contains(last[0].body().path("status").asString());
        });
        JsonNode reembedded = last[0].body();
        assertThat(reembedded.path("status").asString()).as(last[0].raw()).isEqualTo("DONE");
        assertThat(reembedded.path("previousEmbedder").asString()).isEqualTo("another-model");
        assertThat(reembedded.path("embedder").asString()).isEqualTo(embedder.name());
        assertThat(reembedded.path("chunksTotal").asLong()).isEqualTo(72);
        assertThat(reembedded.path("chunksDone").asLong()).isEqualTo(72);
        assertThat(jdbc.sql("SELECT count(*) FROM reembedded_vectors").query(Long.class).single())
                .as("staged vectors are dropped once swapped in").isZero();

        assertThat(jdbc.sql("""
                SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = :n AND k.embedding = :v""").param("n", name).param("v", new PGvector(stale))
                .query(Long.class).single()).as("no chunk keeps its old vector").isZero();
        List<Map<String, Object>> chunks = jdbc.sql("""
                SELECT k.id, k.title, k.heading_path, k.text FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = :n""").param("n", name).query().listOfRows();
        for (Map<String, Object> chunk : chunks) {
            float[] expected = embedder.embedDocuments(List.of(Chunker.embeddingText((String) chunk.get("title"),
                    (String) chunk.get("heading_path"), (String) chunk.get("text")))).get(0);
            double distance = jdbc.sql("SELECT embedding <=> :v FROM chunks WHERE id = :id")
                    .param("v", new PGvector(expected)).param("id", (UUID) chunk.get("id")).query(Double.class).single();
            assertThat(distance).isCloseTo(0.0, offset(1e-5));
        }
        Api.Response search = admin().post("/api/v1/search", Map.of("collection", name, "query",
                "how many vacation days", "mode", "dense"));
        assertThat(search.status()).isEqualTo(200);
        assertThat(search.body().path("results").get(0).path("source").asString()).isEqualTo("leave.md");
        Api.Response again = admin().post("/api/v1/collections/" + name + "/reembed", Map.of());
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().path("status").asString()).isEqualTo("DONE");
        assertThat(again.body().path("chunksTotal").asLong()).isZero();
    }

    @Test
    void aCollectionFromAModelOfAnotherSizeIsReembeddedAtThisModelsSize() throws SQLException {
        String name = "reembed-other-size";
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name, Part.file("leave.md", "# Leave\n\nEmployees earn vacation days.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop.\n")).path("status").asString())
                .isEqualTo("DONE");
        long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
        float[] small = new float[16];
        small[0] = 1;
        // as if embedded by a 16-dimension model, with that size's index
        jdbc.sql("UPDATE collections SET embedder = 'small-model', dimension = 16 WHERE id = :c").param("c", id)
                .update();
        jdbc.sql("UPDATE chunks SET embedding = :v WHERE collection_id = :c").param("v", new PGvector(small))
                .param("c", id).update();
        jdbc.sql("DROP INDEX IF EXISTS chunks_embedding_c" + id).update();
        // concurrently: a plain build also reads the 384-dimension versions the UPDATE just replaced, and fails on
        // their cast, while any other session's snapshot (a worker of another test context) can still see them; a
        // concurrent one reads live rows only. Under the build lock, as VectorIndexes builds, so as not to deadlock
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("SELECT pg_advisory_lock(" + VectorIndexes.LOCK + ")");
            try {
                sql.execute("CREATE INDEX CONCURRENTLY chunks_embedding_c" + id + " ON chunks USING hnsw"
                        + " ((embedding::vector(16)) vector_cosine_ops) WHERE collection_id = " + id);
            }
            finally {
                sql.execute("SELECT pg_advisory_unlock(" + VectorIndexes.LOCK + ")");
            }
        }

        Api.Response started = admin().post("/api/v1/collections/" + name + "/reembed", Map.of());

        assertThat(started.status()).as(started.raw()).isEqualTo(202);
        String job = started.body().path("id").asString();
        Api.Response[] last = new Api.Response[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = admin().get("/api/v1/reembeddings/" + job);
            return !List.of("QUEUED", "RUNNING").contains(last[0].body().path("status").asString());
        });
        assertThat(last[0].body().path("status").asString()).as(last[0].raw()).isEqualTo("DONE");
        assertThat(jdbc.sql("SELECT dimension FROM collections WHERE id = :c").param("c", id).query(Integer.class)
                .single()).isEqualTo(embedder.dimension());
        assertThat(jdbc.sql("SELECT DISTINCT vector_dims(embedding) FROM chunks WHERE collection_id = :c")
                .param("c", id).query(Integer.class).list()).containsExactly(embedder.dimension());
        assertThat(jdbc.sql("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%vector(16)%'")
                .query(Long.class).single()).as("the old size's index went with the swap").isZero();
        Api.Response search = admin().post("/api/v1/search", Map.of("collection", name, "query",
                "how many vacation days", "mode", "dense"));
        assertThat(search.status()).as(search.raw()).isEqualTo(200);
        assertThat(search.body().path("results").get(0).path("source").asString()).isEqualTo("leave.md");
    }
}
