package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

class RechunkingApiTests extends IntegrationTest {

    /** How the old parser stored the chunk of {@link #LOCKERS}: a line per inline element and per soft wrap. */
    private static final String LOCKERS_OLD = "If you work in DC and\ndo not have a\nlocker\nassigned to you, email\n"
            + "the facilities team.";
    private static final String LOCKERS = "# Lockers\n\nIf you work in DC and do not have a **locker** assigned to you,"
            + "\nemail the facilities team.\n";
    private static final String LOCKERS_NEW = "If you work in DC and do not have a locker assigned to you, email"
            + " the facilities team.";
    private static final String CHANNELS = "# Channels\n\nProjects often create [specific channels](https://x.example)"
            + " that end\nwith a suffix, and `everyone` may join them.\n";

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @Test
    void rebuildsChunksFromOriginalsOrFromTheOldChunksTextAndSearchesTheNewOnes() {
        String name = "rechunk-tests";
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name, Part.file("channels.md", CHANNELS), Part.file("lockers.md", LOCKERS))
                .path("status").asString()).isEqualTo("DONE");
        long collection = collectionId(name);
        assertThat(jdbc.sql("""
                SELECT o.media_type FROM document_originals o JOIN documents d ON d.id = o.document_id
                WHERE d.collection_id = :c ORDER BY d.source""").param("c", collection).query(String.class).list())
                .as("each document keeps its original").containsExactly("text/markdown", "text/markdown");
        // as stored before: channels.md with its original but broken chunks; lockers.md without an original
        jdbc.sql("UPDATE chunks SET text = :t WHERE collection_id = :c AND source = 'channels.md'")
                .param("t", "Projects often create\nspecific channels\nthat end\nwith a suffix, and\neveryone\nmay")
                .param("c", collection).update();
        jdbc.sql("UPDATE chunks SET text = :t WHERE collection_id = :c AND source = 'lockers.md'")
                .param("t", LOCKERS_OLD).param("c", collection).update();
        jdbc.sql("""
                DELETE FROM document_originals o USING documents d
                WHERE d.id = o.document_id AND d.collection_id = :c AND d.source = 'lockers.md'""")
                .param("c", collection).update();
        recountTextStatistics(collection);

        Api.Response started = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());

        assertThat(started.status()).as(started.raw()).isEqualTo(202);
        String job = started.body().path("id").asString();
        assertThat(started.header("Location")).isEqualTo("/api/v1/rechunkings/" + job);
        JsonNode done = awaitFinished(job);
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("DONE");
        assertThat(done.path("documentsTotal").asLong()).isEqualTo(2);
        assertThat(done.path("documentsDone").asLong()).isEqualTo(2);
        assertThat(done.path("fromOriginals").asLong()).isEqualTo(1);
        assertThat(done.path("fromChunkText").asLong()).isEqualTo(1);
        assertThat(chunkTexts(collection, "channels.md")).containsExactly(
                "Projects often create specific channels that end with a suffix, and everyone may join them.");
        assertThat(chunkTexts(collection, "lockers.md")).containsExactly(LOCKERS_NEW);
        assertThat(jdbc.sql("SELECT heading_path FROM chunks WHERE collection_id = :c ORDER BY source")
                .param("c", collection).query(String.class).list()).containsExactly("Channels", "Lockers");
        assertThat(jdbc.sql("""
                SELECT count(*) FROM documents d WHERE d.collection_id = :c
                  AND d.chunks <> (SELECT count(*) FROM chunks k WHERE k.document_id = d.id)""")
                .param("c", collection).query(Long.class).single()).as("documents count their new chunks").isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM rechunked_documents").query(Long.class).single()
                + jdbc.sql("SELECT count(*) FROM rechunked_chunks").query(Long.class).single())
                .as("staged chunks are dropped once swapped in").isZero();
        assertThat(jdbc.sql("""
                SELECT c.chunk_count = s.n AND c.lexeme_total = s.total FROM collections c,
                    (SELECT count(*) AS n, sum(tsv_length) AS total FROM chunks WHERE collection_id = :c) s
                WHERE c.id = :c""").param("c", collection).query(Boolean.class).single())
                .as("the text statistics follow the new chunks").isTrue();

        for (String mode : List.of("lexical", "dense")) {
            Api.Response search = admin().post("/api/v1/search", Map.of("collection", name, "query",
                    "who do I email about a locker", "mode", mode));
            assertThat(search.status()).as(search.raw()).isEqualTo(200);
            assertThat(search.body().path("results").get(0).path("text").asString()).as(mode)
                    .isEqualTo(LOCKERS_NEW);
        }

        UUID channels = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = 'channels.md'")
                .param("c", collection).query(UUID.class).single();
        assertThat(admin().delete("/api/v1/collections/" + name + "/documents/" + channels).status()).isEqualTo(204);
        assertThat(jdbc.sql("SELECT count(*) FROM document_originals WHERE document_id = :d").param("d", channels)
                .query(Long.class).single()).as("a deleted document's original goes with it").isZero();
    }

    @Test
    void searchesSeeOnlyTheOldChunksUntilTheSwapAndADocumentDeletedMeanwhileStaysDeleted() throws Exception {
        String name = "rechunk-swap";
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name, Part.file("lockers.md", LOCKERS),
                Part.file("lockers-annex.md", LOCKERS.replace("DC", "the annex")),
                Part.file("lockers-west.md", LOCKERS.replace("DC", "the west wing"))).path("status").asString())
                .isEqualTo("DONE");
        long collection = collectionId(name);
        jdbc.sql("UPDATE chunks SET text = replace(:t, 'DC', substring(text from 'work in (.*) and do')) "
                + "WHERE collection_id = :c").param("t", LOCKERS_OLD).param("c", collection).update();
        jdbc.sql("DELETE FROM document_originals o USING documents d WHERE d.id = o.document_id "
                + "AND d.collection_id = :c").param("c", collection).update();
        recountTextStatistics(collection);
        UUID west = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = 'lockers-west.md'")
                .param("c", collection).query(UUID.class).single();

        String job;
        CompletableFuture<Api.Response> deleted;
        try (Connection hold = dataSource.getConnection()) {
            // holds the collection row as the swap would: staging goes on, the swap waits for it
            hold.setAutoCommit(false);
            try (PreparedStatement lock = hold.prepareStatement(
                    "SELECT 1 FROM collections WHERE id = ? FOR NO KEY UPDATE")) {
                lock.setLong(1, collection);
                lock.execute();
            }
            Api.Response started = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
            assertThat(started.status()).as(started.raw()).isEqualTo(202);
            job = started.body().path("id").asString();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode progress = admin().get("/api/v1/rechunkings/" + job).body();
                return progress.path("documentsDone").asLong() == 3;
            });
            Thread.sleep(300); // the swap has begun and waits for the collection
            assertThat(admin().get("/api/v1/rechunkings/" + job).body().path("status").asString())
                    .isEqualTo("RUNNING");
            assertThat(searchTexts(name)).as("all staged, none swapped in").hasSize(3)
                    .allMatch(text -> text.contains("\n"));

            Api.Response second = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
            assertThat(second.status()).as(second.raw()).isEqualTo(409);
            assertThat(second.problemType()).isEqualTo("rechunking-running");

            deleted = CompletableFuture.supplyAsync(
                    () -> admin().delete("/api/v1/collections/" + name + "/documents/" + west));
            Thread.sleep(300);
            hold.commit();
        }
        assertThat(deleted.get(30, TimeUnit.SECONDS).status()).isEqualTo(204);
        JsonNode done = awaitFinished(job);
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("DONE");
        assertThat(jdbc.sql("SELECT count(*) FROM documents WHERE id = :d").param("d", west).query(Long.class)
                .single() + jdbc.sql("SELECT count(*) FROM chunks WHERE document_id = :d").param("d", west)
                        .query(Long.class).single())
                .as("the document deleted during the job stays deleted, chunks and all").isZero();
        assertThat(searchTexts(name)).as("all swapped in").containsExactlyInAnyOrder(
                LOCKERS_NEW, LOCKERS_NEW.replace("DC", "the annex"));
    }

    @Test
    void aDocumentDeletedWhileItsNewChunksAreStagedStaysDeleted() throws Exception {
        String name = "rechunk-staging";
        admin().post("/api/v1/collections", Map.of("name", name));
        assertThat(admin().ingest(name, Part.file("lockers.md", LOCKERS), Part.file("channels.md", CHANNELS))
                .path("status").asString()).isEqualTo("DONE");
        long collection = collectionId(name);
        UUID lockers = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = 'lockers.md'")
                .param("c", collection).query(UUID.class).single();

        String job;
        try (Connection hold = dataSource.getConnection()) {
            // a deletion under way holds the document's row: staging its new chunks waits for it, then finds it gone
            hold.setAutoCommit(false);
            try (PreparedStatement lock = hold.prepareStatement("SELECT 1 FROM documents WHERE id = ? FOR UPDATE")) {
                lock.setObject(1, lockers);
                lock.execute();
            }
            Api.Response started = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
            assertThat(started.status()).as(started.raw()).isEqualTo(202);
            job = started.body().path("id").asString();
            Thread.sleep(1000);
            try (PreparedStatement delete = hold.prepareStatement("DELETE FROM documents WHERE id = ?")) {
                delete.setObject(1, lockers);
                delete.execute();
            }
            hold.commit();
        }
        JsonNode done = awaitFinished(job);
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("DONE");
        assertThat(done.path("documentsDone").asLong()).isEqualTo(2);
        assertThat(done.path("fromOriginals").asLong()).as("only the document still there was rebuilt").isEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM chunks WHERE document_id = :d").param("d", lockers)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT source FROM chunks WHERE collection_id = :c").param("c", collection)
                .query(String.class).list()).containsExactly("channels.md");
    }

    @Test
    void aCollectionDeletedWhileARechunkingBatchIsStagedIsDeletedAfterTheDeadlockIsBroken() throws Exception {
        String name = "rechunk-deadlock";
        createLeaveAndLaptops(name);
        Api.Response started = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
        assertThat(awaitFinished(started.body().path("id").asString()).path("status").asString()).isEqualTo("DONE");
        long collection = collectionId(name);
        // as a batch being staged does: the job's row first, then rows that refer to the collection's documents,
        // which the delete has locked by then while it waits for the job's row
        try (Connection batch = dataSource.getConnection()) {
            batch.setAutoCommit(false);
            try (PreparedStatement jobRow = batch.prepareStatement(
                    "UPDATE rechunkings SET from_originals = from_originals WHERE collection_id = ?")) {
                jobRow.setLong(1, collection);
                assertThat(jobRow.executeUpdate()).isEqualTo(1);
            }
            CompletableFuture<Api.Response> deleted = CompletableFuture.supplyAsync(
                    () -> admin().delete("/api/v1/collections/" + name));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM collections%'""")
                    .query(Long.class).single() > 0);
            try (PreparedStatement documents = batch.prepareStatement(
                    "SELECT id FROM documents WHERE collection_id = ? FOR KEY SHARE")) {
                documents.setLong(1, collection);
                documents.executeQuery().close();
                batch.commit();
            }
            catch (java.sql.SQLException e) {
                if (!"40P01".equals(e.getSQLState())) {
                    throw e;
                }
                // PostgreSQL may break the cycle on this side instead (a deadlock, 40P01): the delete then goes
                // through at once
                batch.rollback();
            }
            assertThat(deleted.get(60, TimeUnit.SECONDS).status()).isEqualTo(204);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM collections WHERE name = :n").param("n", name).query(Long.class)
                .single()).isZero();
    }

    @Test
    void onlyAKeyThatMayWriteTheCollectionRechunksIt() {
        String name = "rechunk-keys";
        createLeaveAndLaptops(name);
        String reader = admin().post("/api/v1/keys", Map.of("name", "rechunk-reader", "collections", List.of(name),
                "permissions", List.of("read"))).body().path("key").asString();
        String stranger = admin().post("/api/v1/keys", Map.of("name", "rechunk-stranger", "collections",
                List.of("elsewhere"), "permissions", List.of("read", "write"))).body().path("key").asString();

        assertThat(as(reader).post("/api/v1/collections/" + name + "/rechunk", Map.of()).status()).isEqualTo(403);
        assertThat(as(stranger).post("/api/v1/collections/" + name + "/rechunk", Map.of()).status()).isEqualTo(404);
        Api.Response unknown = admin().post("/api/v1/collections/absent/rechunk", Map.of());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(admin().get("/api/v1/rechunkings/" + UUID.randomUUID()).status()).isEqualTo(404);
        assertThat(jdbc.sql("SELECT count(*) FROM rechunkings j JOIN collections c ON c.id = j.collection_id "
                + "WHERE c.name = :n").param("n", name).query(Long.class).single()).as("nothing queued").isZero();

        Api.Response started = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
        assertThat(started.status()).isEqualTo(202);
        String job = started.body().path("id").asString();
        assertThat(as(reader).get("/api/v1/rechunkings/" + job).status()).as("a reader sees its progress")
                .isEqualTo(200);
        assertThat(as(stranger).get("/api/v1/rechunkings/" + job).status()).isEqualTo(404);
        assertThat(awaitFinished(job).path("status").asString()).isEqualTo("DONE");
        assertThat(admin().post("/api/v1/collections/" + name + "/rechunk", Map.of()).status())
                .as("once done, another may start").isEqualTo(202);

        List<UUID> documents = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c")
                .param("c", collectionId(name)).query(UUID.class).list();
        assertThat(documents).hasSize(2);
        assertThat(admin().delete("/api/v1/collections/" + name).status()).isEqualTo(204);
        assertThat(jdbc.sql("SELECT count(*) FROM document_originals WHERE document_id = ANY(:d)")
                .param("d", documents.toArray(UUID[]::new)).query(Long.class).single())
                .as("a deleted collection's originals go with it").isZero();
    }

    @Test
    void deletingACollectionWhileASwapHoldsItsDocumentsWaitsForTheSwapInsteadOfDeadlocking() throws Exception {
        String name = "rechunk-delete-collection";
        createLeaveAndLaptops(name);
        long collection = collectionId(name);
        CompletableFuture<Api.Response> deleted;
        try (Connection swap = dataSource.getConnection()) {
            // the swap's order: the staged documents, then the collection row
            swap.setAutoCommit(false);
            try (PreparedStatement documents = swap.prepareStatement(
                    "SELECT id FROM documents WHERE collection_id = ? ORDER BY id FOR NO KEY UPDATE")) {
                documents.setLong(1, collection);
                documents.execute();
            }
            deleted = CompletableFuture.supplyAsync(() -> admin().delete("/api/v1/collections/" + name));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> jdbc
                    .sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            + "AND datname = current_database()")
                    .query(Long.class).single() > 0);
            try (PreparedStatement row = swap.prepareStatement(
                    "SELECT 1 FROM collections WHERE id = ? FOR NO KEY UPDATE")) {
                row.setLong(1, collection);
                row.execute();
            }
            swap.commit();
        }
        assertThat(deleted.get(30, TimeUnit.SECONDS).status()).isEqualTo(204);
        assertThat(jdbc.sql("SELECT count(*) FROM documents WHERE collection_id = :c").param("c", collection)
                .query(Long.class).single()).isZero();
    }

    @Test
    void aJobGivenUpAfterItsWorkersDiedDropsWhatItStaged() {
        String name = "rechunk-given-up";
        createLeaveAndLaptops(name);
        long collection = collectionId(name);
        UUID job = UUID.randomUUID();
        // as a job looks whose every worker died holding it: claimed, its heartbeat long gone, out of attempts,
        // with what it staged; in one statement, so that no worker gives it up before its staged rows exist
        jdbc.sql("""
                WITH job AS (
                    INSERT INTO rechunkings (id, collection_id, embedder, status, claim_token, heartbeat_at, attempts,
                        created_at)
                    VALUES (:id, :c, 'all-minilm-l6-v2-q', 'RUNNING', gen_random_uuid(), now() - interval '1 hour', 99,
                        now())
                    RETURNING id)
                INSERT INTO rechunked_documents (rechunking_id, document_id, chunks)
                SELECT job.id, d.id, 0 FROM job, documents d WHERE d.collection_id = :c""")
                .param("id", job).param("c", collection).update();

        JsonNode failed = awaitFinished(job.toString());

        assertThat(failed.path("status").asString()).isEqualTo("FAILED");
        assertThat(failed.path("error").asString()).contains("giving up");
        assertThat(jdbc.sql("SELECT count(*) FROM rechunked_documents WHERE rechunking_id = :id").param("id", job)
                .query(Long.class).single()).as("what it staged is dropped").isZero();
        Api.Response another = admin().post("/api/v1/collections/" + name + "/rechunk", Map.of());
        assertThat(another.status()).as("another may start").isEqualTo(202);
        assertThat(awaitFinished(another.body().path("id").asString()).path("status").asString()).isEqualTo("DONE");
    }

    private long collectionId(String name) {
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
    }

    /** The chunk statistics triggers follow inserts and deletes only; these tests rewrote chunks in place. */
    private void recountTextStatistics(long collection) {
        jdbc.sql("""
                UPDATE collections SET lexeme_total = (SELECT coalesce(sum(tsv_length), 0) FROM chunks
                    WHERE collection_id = :c) WHERE id = :c""").param("c", collection).update();
    }

    private List<String> chunkTexts(long collection, String source) {
        return jdbc.sql("SELECT text FROM chunks WHERE collection_id = :c AND source = :s ORDER BY ordinal")
                .param("c", collection).param("s", source).query(String.class).list();
    }

    private List<String> searchTexts(String name) {
        Api.Response search = admin().post("/api/v1/search", Map.of("collection", name, "query", "locker",
                "mode", "lexical"));
        assertThat(search.status()).as(search.raw()).isEqualTo(200);
        List<String> texts = new java.util.ArrayList<>();
        search.body().path("results").forEach(hit -> texts.add(hit.path("text").asString()));
        return texts;
    }

    private JsonNode awaitFinished(String job) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = admin().get("/api/v1/rechunkings/" + job).body();
            return !List.of("QUEUED", "RUNNING").contains(last[0].path("status").asString());
        });
        return last[0];
    }
}
