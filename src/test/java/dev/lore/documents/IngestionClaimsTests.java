package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;

/**
 * The ingestion queue's claims, driven step by step: this instance's worker does not run on its own here, so each
 * test forces the interleaving it needs (a claim that lapses, a second worker taking over, the first finishing late).
 */
@TestPropertySource(properties = { "lore.documents.worker-enabled=false", "lore.documents.lock-timeout=500ms" })
class IngestionClaimsTests extends IntegrationTest {

    @Autowired
    IngestionWorker worker;

    @Autowired
    VectorIndexes vectorIndexes;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    javax.sql.DataSource dataSource;

    private String collection;

    @BeforeEach
    void collection(org.junit.jupiter.api.TestInfo info) {
        collection = "claims-" + info.getTestMethod().orElseThrow().getName().toLowerCase().substring(0, 20);
        for (String name : java.util.List.of(collection, collection + "-b", "claims-other")) {
            admin().delete("/api/v1/collections/" + name); // a database kept from an earlier run
        }
        admin().post("/api/v1/collections", Map.of("name", collection));
        // whatever earlier tests left in the shared queue is not this test's business
        jdbc.sql("UPDATE ingestion_items SET status = 'FAILED', payload = NULL WHERE status IN ('QUEUED', 'RUNNING')")
                .update();
    }

    @Test
    void aWorkerWhoseClaimWasTakenOverChangesNothingWhenItFinishesLate() throws Exception {
        String ingestion = upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        IngestionWorker.Claim first = worker.claimFresh();
        assertThat(first.items()).hasSize(1);
        // the first worker stalls past stale-after without a heartbeat, and a second one takes the item over
        jdbc.sql("UPDATE ingestion_items SET heartbeat_at = now() - interval '1 hour' WHERE status = 'RUNNING'")
                .update();
        IngestionWorker.Claim second = worker.claimSuspect();
        assertThat(second.items()).extracting(IngestionWorker.Item::id).containsExactly(first.items().get(0).id());
        worker.process(second);
        JsonStatus done = status(ingestion);
        assertThat(done.status()).isEqualTo("DONE");
        assertThat(done.chunks()).isPositive();

        worker.process(first);

        JsonStatus after = status(ingestion);
        assertThat(after).as("the late worker's result is dropped").isEqualTo(done);
        assertThat(jdbc.sql("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id"
                + " WHERE c.name = :c").param("c", collection).query(Long.class).single()).isEqualTo(1);
        assertThat(attempts(ingestion)).isEqualTo(2);
    }

    @Test
    void itemsOfAnotherModelsCollectionWaitForAnInstanceThatRunsIt() throws Exception {
        String ingestion = upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        // the collection as an instance running another model made it: this one neither takes nor fails its items
        String own = jdbc.sql("SELECT embedder FROM collections WHERE name = :c").param("c", collection)
                .query(String.class).single();
        jdbc.sql("UPDATE collections SET embedder = 'another-model' WHERE name = :c").param("c", collection).update();
        assertThat(worker.claimFresh().items()).isEmpty();
        jdbc.sql("UPDATE ingestion_items SET status = 'RUNNING', heartbeat_at = now() - interval '1 hour',"
                + " claim_token = gen_random_uuid() WHERE ingestion_id = CAST(:i AS uuid)").param("i", ingestion)
                .update();
        assertThat(worker.claimSuspect().items()).as("nor takes it over from a worker that died").isEmpty();
        jdbc.sql("UPDATE ingestion_items SET status = 'QUEUED', claim_token = NULL, heartbeat_at = NULL"
                + " WHERE ingestion_id = CAST(:i AS uuid)").param("i", ingestion).update();
        assertThat(status(ingestion).status()).isEqualTo("QUEUED");

        // an instance running that model takes it (here: the collection back on this instance's model)
        jdbc.sql("UPDATE collections SET embedder = :e WHERE name = :c").param("e", own).param("c", collection)
                .update();
        IngestionWorker.Claim claim = worker.claimFresh();
        assertThat(claim.items()).hasSize(1);
        worker.process(claim);
        assertThat(status(ingestion).status()).isEqualTo("DONE");
    }

    @Test
    void aLiveWorkersHeartbeatKeepsItsClaim() {
        upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        assertThat(worker.claimFresh().items()).hasSize(1);
        jdbc.sql("UPDATE ingestion_items SET heartbeat_at = now() - interval '1 hour' WHERE status = 'RUNNING'")
                .update();
        worker.heartbeat();
        assertThat(worker.claimSuspect().items()).as("a slow but live worker keeps its item").isEmpty();
    }

    @Test
    void aHeartbeatSkipsItemsTheStoringTransactionHoldsInsteadOfWaitingForThem() throws Exception {
        upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        upload("laptops.md", "# Laptops\n\nIT hands out laptops.\n");
        IngestionWorker.Claim claim = worker.claimFresh();
        assertThat(claim.items()).hasSize(2);
        long held = claim.items().get(0).id();
        long free = claim.items().get(1).id();
        jdbc.sql("UPDATE ingestion_items SET heartbeat_at = now() - interval '1 hour' WHERE id IN (:a, :b)")
                .param("a", held).param("b", free).update();
        try (java.sql.Connection storing = dataSource.getConnection()) {
            storing.setAutoCommit(false);
            try (var lock = storing.prepareStatement("SELECT 1 FROM ingestion_items WHERE id = ? FOR UPDATE")) {
                lock.setLong(1, held);
                lock.executeQuery().close();
            }
            java.util.concurrent.CompletableFuture.runAsync(worker::heartbeat).get(10,
                    java.util.concurrent.TimeUnit.SECONDS);
            storing.rollback();
        }
        assertThat(jdbc.sql("SELECT heartbeat_at > now() - interval '1 minute' FROM ingestion_items WHERE id = :id")
                .param("id", free).query(Boolean.class).single()).isTrue();
    }

    @Test
    void anItemThatKeepsKillingItsWorkerFailsAfterItsAttempts() {
        String ingestion = upload("crash.md", "# Crash\n\nThis one takes its worker down every time.\n");
        for (int attempt = 1; attempt <= 3; attempt++) {
            IngestionWorker.Claim claim = attempt == 1 ? worker.claimFresh() : worker.claimSuspect();
            assertThat(claim.items()).as("attempt " + attempt).hasSize(1);
            // the worker dies: no heartbeat, no result
            jdbc.sql("UPDATE ingestion_items SET heartbeat_at = now() - interval '1 hour' WHERE status = 'RUNNING'")
                    .update();
        }
        assertThat(worker.claimSuspect().items()).isEmpty();
        Api.Response status = admin().get("/api/v1/ingestions/" + ingestion);
        assertThat(status.body().path("status").asString()).isEqualTo("FAILED");
        assertThat(status.body().path("errors").get(0).path("error").asString()).contains("giving up");
    }

    @Test
    void vectorsOfAnEmbedderTheCollectionNoLongerUsesAreNeverCommitted() throws Exception {
        String ingestion = upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        IngestionWorker.Claim claim = worker.claimFresh();
        // a re-embedding switches the collection's model while this worker still embeds with the old one
        jdbc.sql("UPDATE collections SET embedder = 'another-model' WHERE name = :c").param("c", collection).update();
        worker.process(claim);
        Api.Response status = admin().get("/api/v1/ingestions/" + ingestion);
        assertThat(status.body().path("status").asString()).isEqualTo("FAILED");
        assertThat(status.body().path("errors").get(0).path("error").asString()).contains("re-embedded");
        assertThat(jdbc.sql("SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id"
                + " WHERE c.name = :c").param("c", collection).query(Long.class).single()).isZero();
    }

    @Test
    void aDuplicateOfAQueuedDocumentKeepsNoBytesAndSettlesWithIt() throws Exception {
        String text = "# Leave\n\nStaff earn vacation days every month.\n";
        String first = upload("leave.md", text);
        Api.Response second = admin().upload(path(), java.util.List.of(Api.Part.file("copy.md", text)));
        assertThat(second.body().path("documents").get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(jdbc.sql("SELECT count(*) FROM ingestion_items WHERE ingestion_id = :i AND payload IS NOT NULL")
                .param("i", UUID.fromString(second.body().path("ingestionId").asString())).query(Long.class).single())
                .as("the duplicate's bytes are not stored again").isZero();
        IngestionWorker.Claim claim = worker.claimFresh();
        assertThat(claim.items()).as("only the original is processed").hasSize(1);
        worker.process(claim);
        worker.settleFollowers();
        JsonStatus original = status(first);
        JsonStatus duplicate = status(second.body().path("ingestionId").asString());
        assertThat(duplicate.status()).isEqualTo("DONE");
        assertThat(duplicate.documentId()).isEqualTo(original.documentId());
    }

    @Test
    void anItemWhoseBytesWereStoredUnderAnotherIdMeanwhilePointsAtTheStoredDocument() throws Exception {
        String text = "# Leave\n\nStaff earn vacation days every month.\n";
        String first = upload("leave.md", text);
        worker.process(worker.claimFresh());
        // two uploads raced: the second queued the same bytes under an id of its own before the first was stored
        String second = upload("other.md", "# Other\n\nSomething else entirely.\n");
        jdbc.sql("""
                UPDATE ingestion_items SET sha256 = (SELECT sha256 FROM ingestion_items i
                    JOIN ingestions g ON g.id = i.ingestion_id WHERE g.id = :first), payload = convert_to(:text, 'UTF8')
                WHERE ingestion_id = :second""").param("first", UUID.fromString(first))
                .param("second", UUID.fromString(second)).param("text", text).update();
        worker.process(worker.claimFresh());
        JsonStatus late = status(second);
        assertThat(late.status()).isEqualTo("DONE");
        assertThat(late.documentId()).as("an id that exists").isEqualTo(status(first).documentId());
    }

    @Test
    void ensuringAnIndexThatCannotBeBuiltGivesUpAndSaysWhy() {
        long id = jdbc.sql("SELECT id FROM collections WHERE name = :c").param("c", collection).query(Long.class)
                .single();
        // a table holding the index's name: CREATE INDEX IF NOT EXISTS skips it, and no valid index ever appears
        jdbc.sql("CREATE TABLE " + VectorIndexes.indexName(id) + " (x int)").update();
        try {
            Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(
                    () -> vectorIndexes.ensure(id)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still not valid"));
        }
        finally {
            jdbc.sql("DROP TABLE " + VectorIndexes.indexName(id)).update();
        }
    }

    @Test
    void anIngestionOfACollectionTheKeyCannotSeeAnswersLikeAnUnknownOne() {
        String ingestion = upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        admin().post("/api/v1/collections", Map.of("name", "claims-other"));
        String key = admin().post("/api/v1/keys", Map.of("name", "claims-other-reader", "collections",
                java.util.List.of("claims-other"), "permissions", java.util.List.of("read"))).body().path("key")
                .asString();
        Api.Response hidden = as(key).get("/api/v1/ingestions/" + ingestion);
        Api.Response unknown = as(key).get("/api/v1/ingestions/" + UUID.randomUUID());
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.body().path("detail").asString()).doesNotContain(collection)
                .isEqualTo(unknown.body().path("detail").asString().replaceAll("[0-9a-f-]{36}",
                        ingestion));
    }

    @Test
    void stoppingHandsClaimedItemsBackWithoutCountingTheAttempt() {
        String ingestion = upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        assertThat(worker.claimFresh().items()).hasSize(1);
        worker.release();
        assertThat(status(ingestion).status()).isEqualTo("QUEUED");
        assertThat(attempts(ingestion)).isZero();
        assertThat(worker.claimFresh().items()).as("another worker takes it at once").hasSize(1);
    }

    @Test
    void aBatchSpanningTwoCollectionsLocksThemInOrderInsteadOfDeadlocking() throws Exception {
        admin().post("/api/v1/collections", Map.of("name", collection + "-b"));
        long a = collectionId(collection);
        long b = collectionId(collection + "-b");
        assertThat(a).isLessThan(b);
        // the batch holds collection b's document first, then a's
        admin().upload("/api/v1/collections/" + collection + "-b/documents",
                java.util.List.of(Api.Part.file("laptops.md", "# Laptops\n\nIT hands out laptops.\n")));
        upload("leave.md", "# Leave\n\nStaff earn vacation days every month.\n");
        IngestionWorker.Claim claim = worker.claimFresh();
        assertThat(claim.items()).hasSize(2);
        long deadlocks = deadlocks();
        try (java.sql.Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (var lock = other.prepareStatement("SELECT 1 FROM collections WHERE id = ? FOR NO KEY UPDATE")) {
                lock.setLong(1, a);
                lock.executeQuery().close();
            }
            java.util.concurrent.CompletableFuture<Void> storing = java.util.concurrent.CompletableFuture.runAsync(
                    () -> {
                        try {
                            worker.process(claim);
                        }
                        catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                      AND datname = current_database()""").query(Long.class).single() > 0 || storing.isDone());
            // another transaction that holds a and now needs b: had the batch already written b's chunks (and so
            // locked b's row through the statistics trigger), this would be a deadlock
            try (var update = other.prepareStatement("UPDATE collections SET description = description WHERE id = ?")) {
                update.setLong(1, b);
                update.executeUpdate();
            }
            other.commit();
            storing.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM documents WHERE collection_id IN (:a, :b)").param("a", a)
                .param("b", b).query(Long.class).single()).isEqualTo(2);
        assertThat(deadlocks()).as("PostgreSQL found no deadlock").isEqualTo(deadlocks);
    }

    private long deadlocks() {
        jdbc.sql("SELECT pg_stat_clear_snapshot()").query(Object.class).list();
        return jdbc.sql("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
                .query(Long.class).single();
    }

    @Test
    void aReuploadUnderAnotherNameOrWithOtherMetadataSaysWhatTheStoredDocumentKeeps() throws Exception {
        String text = "# Leave\n\nStaff earn vacation days every month.\n";
        upload("leave.md", text);
        worker.process(worker.claimFresh());
        Api.Response same = admin().upload(path(), java.util.List.of(Api.Part.file("leave.md", text)));
        assertThat(same.body().path("documents").get(0).has("note")).isFalse();
        Api.Response renamed = admin().upload(path(), java.util.List.of(Api.Part.file("annual-leave.md", text),
                Api.Part.json("metadata", "{\"team\":\"people\"}")));
        assertThat(renamed.body().path("documents").get(0).path("note").asString())
                .contains("source 'leave.md'").contains("metadata");
    }

    @Test
    void anUploadWaitsForItsCollectionsLockOnlyBrieflyThenAnswers503() throws Exception {
        long id = collectionId(collection);
        try (java.sql.Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (var lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, id);
                lock.executeQuery().close();
            }
            Api.Response busy = admin().upload(path(), java.util.List.of(Api.Part.file("leave.md", "# Leave\n")));
            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.problemType()).isEqualTo("collection-busy");
            assertThat(busy.header("Retry-After")).isNotBlank();
            other.rollback();
        }
        assertThat(jdbc.sql("SELECT count(*) FROM ingestion_items WHERE collection_id = :c").param("c", id)
                .query(Long.class).single()).as("nothing was queued").isZero();
        assertThat(admin().upload(path(), java.util.List.of(Api.Part.file("leave.md", "# Leave\n"))).status())
                .isEqualTo(202);
    }

    private long collectionId(String name) {
        return jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", name).query(Long.class).single();
    }

    private record JsonStatus(String status, int chunks, boolean duplicate, String documentId) {
    }

    private JsonStatus status(String ingestion) {
        var document = admin().get("/api/v1/ingestions/" + ingestion).body().path("documents").get(0);
        return new JsonStatus(document.path("status").asString(), document.path("chunks").asInt(),
                document.path("duplicate").asBoolean(), document.path("id").asString());
    }

    private int attempts(String ingestion) {
        return jdbc.sql("SELECT attempts FROM ingestion_items WHERE ingestion_id = :i")
                .param("i", UUID.fromString(ingestion)).query(Integer.class).single();
    }

    private String upload(String source, String text) {
        Api.Response response = admin().upload(path(), java.util.List.of(Api.Part.file(source, text)));
        assertThat(response.status()).as(response.raw()).isEqualTo(202);
        return response.body().path("ingestionId").asString();
    }

    private String path() {
        return "/api/v1/collections/" + collection + "/documents";
    }
}
