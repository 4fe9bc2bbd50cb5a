package dev.lore.agents.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.agents.AgentNotFound;
import dev.lore.models.Embedder;
import dev.lore.models.embedding.FakeEmbeddingServer;
import dev.lore.support.Api;
import dev.lore.support.FakeEmbedder;
import dev.lore.support.IntegrationTest;
import dev.lore.web.LoreException;
import tools.jackson.databind.JsonNode;

/**
 * Agents on a remote embedder of 1536 dimensions (an honest fake of OpenAI's wire format): memories are stored and
 * ranked by their own model's vectors, the vector pool walks the index of their dimension, a stream made by another
 * embedder, of another size or only another name, is never compared with this one's vectors (not even when a move
 * commits while a query is embedded), and re-embedding moves it to this one (resuming what an earlier try staged,
 * dropping what was staged for another model or is of another size, racing another model's move without mixing the
 * two, and embedding at most one batch while it holds the agent's row).
 */
class MemoryDimensionApiTests extends IntegrationTest {

    static final int DIMENSION = 1536;

    static final String EMBEDDER = "openai:fake-memory-embed";

    static final FakeEmbeddingServer SERVER = new FakeEmbeddingServer(DIMENSION);

    @DynamicPropertySource
    static void remoteEmbedder(DynamicPropertyRegistry registry) {
        registry.add("lore.models.embedder", () -> EMBEDDER);
        registry.add("lore.models.embedding.base-url", SERVER::baseUrl);
    }

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MemoryStream stream;

    @Autowired
    MemoryIndexes indexes;

    @Autowired
    MemoryReembedding reembedding;

    @Autowired
    DataSource dataSource;

    @Autowired
    TransactionTemplate transactions;

    private static final List<String> TEXTS = List.of(
            "Isabella bakes bread and pastries at the bakery every morning",
            "Klaus is writing a research paper about gentrification in the town",
            "Maria plays chess with Klaus in the park on Sundays",
            "Isabella is planning a Valentine party at Hobbs Cafe with music and pastries",
            "The library closes early on Fridays");

    @Test
    void memoriesOfTheRemoteModelAreStoredAtItsSizeAndRankedByItsVectors() {
        String simulation = simulation("relevance-only", Map.of("recency", 0, "importance", 0, "relevance", 1));
        String agent = agent(simulation, "Isabella");
        JsonNode view = admin().get("/api/v1/agents/" + agent).body();
        assertThat(view.path("embedder").path("name").asString()).isEqualTo(EMBEDDER);
        assertThat(view.path("embedder").path("dimension").asInt()).isEqualTo(DIMENSION);
        for (String text : TEXTS) {
            remember(agent, text);
        }
        assertThat(jdbc.sql("SELECT DISTINCT vector_dims(embedding) FROM memories WHERE agent_id = :a")
                .param("a", UUID.fromString(agent)).query(Integer.class).list()).containsExactly(DIMENSION);

        String query = "who brings pastries to the Valentine party at Hobbs Cafe, and does Klaus play chess";
        JsonNode ranked = admin().get("/api/v1/agents/" + agent + "/memories?k=5&at=2026-02-13T12:00:00&query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8)).body();

        List<Map.Entry<String, Double>> expected = byCosine(query);
        assertThat(ranked).hasSize(TEXTS.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(ranked.get(i).path("text").asString()).as("rank " + i).isEqualTo(expected.get(i).getKey());
            assertThat(ranked.get(i).path("scores").path("raw").path("cosine").asDouble())
                    .isCloseTo(expected.get(i).getValue(), offset(1e-4));
        }
        assertThat(expected.get(0).getKey()).startsWith("Isabella is planning a Valentine party");

        // the pooled statement, through the vector index's expression, ranks them the same
        UUID id = UUID.fromString(agent);
        LocalDateTime at = LocalDateTime.parse("2026-02-13T12:00:00");
        List<ScoredMemory> pooled = rolledBack(() -> stream.retrieve(id, query, 5, at, new Weights(0, 0, 1),
                MemoryStream.Candidates.POOLS));
        assertThat(pooled.stream().map(m -> m.memory().text()).toList())
                .containsExactlyElementsOf(expected.stream().map(Map.Entry::getKey).toList());
    }

    @Test
    void thePooledRetrievalsVectorPoolWalksTheIndexOfItsDimension() {
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(indexes::ensure);
        String definition = jdbc.sql("SELECT pg_get_indexdef(to_regclass(:name))")
                .param("name", MemoryIndexes.indexName(DIMENSION)).query(String.class).single();
        assertThat(definition).contains("hnsw", "(embedding)::vector(" + DIMENSION + ")", "vector_cosine_ops",
                "WHERE (vector_dims(embedding) = " + DIMENSION + ")");

        String agent = agent(simulation("indexed", null), "Klaus");
        jdbc.sql("""
                INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at, importance,
                                      importance_from, stored_at)
                SELECT gen_random_uuid(), :a, 'observation', 'Klaus noted thing ' || g,
                       (SELECT array_agg(random()::real) FROM generate_series(1, :dimension) d WHERE g > 0)::vector,
                       '2026-02-13T07:00'::timestamp + g * interval '1 second', '2026-02-13T07:00', 1 + g % 10,
                       'given', now()
                FROM generate_series(1, 300) g""")
                .param("a", UUID.fromString(agent)).param("dimension", DIMENSION).update();
        String pooled = MemoryStream.retrievePooled(DIMENSION);
        assertThat(plan(pooled, agent)).contains("Index Scan using " + MemoryIndexes.indexName(DIMENSION));

        // the same pool ordered by the untyped column, or without the dimension's filter, cannot use it
        assertThat(plan(pooled.replace("ORDER BY embedding::vector(" + DIMENSION + ") <=>", "ORDER BY embedding <=>"),
                agent)).doesNotContain(MemoryIndexes.indexName(DIMENSION));
        assertThat(plan(pooled.replace("AND vector_dims(embedding) = " + DIMENSION, ""), agent))
                .doesNotContain(MemoryIndexes.indexName(DIMENSION));
    }

    /**
     * The statement's plan with sequential scans and sorts priced out: a small table is cheaper to scan (a large
     * stream's is not), so only this way does the plan show whether the index matches the statement at all, which
     * is what a wrong expression or predicate breaks.
     */
    private String plan(String statement, String agent) {
        return transactions.execute(status -> {
            status.setRollbackOnly();
            jdbc.sql("SET LOCAL enable_seqscan = off").update();
            jdbc.sql("SET LOCAL enable_sort = off").update();
            return String.join("\n", jdbc.sql("EXPLAIN " + statement)
                    .param("agent", UUID.fromString(agent)).param("at", LocalDateTime.parse("2026-02-13T12:00:00"))
                    .param("hasQuery", true).param("query", new PGvector(SERVER.vector("the party", DIMENSION)))
                    .param("embedder", EMBEDDER).param("dimension", DIMENSION)
                    .param("vectorPool", 100).param("recentPerLevel", 300).param("wRecency", 1.0)
                    .param("wImportance", 1.0).param("wRelevance", 1.0).param("k", 10)
                    .query(String.class).list());
        });
    }

    @Test
    void aStreamOfAnotherModelOfTheSameSizeIsRefusedNamingBothModels() {
        String agent = agent(simulation("renamed-model", null), "Maria");
        remember(agent, TEXTS.get(2));
        jdbc.sql("UPDATE agents SET embedder = 'openai:another-model' WHERE id = :id")
                .param("id", UUID.fromString(agent)).update();

        Api.Response query = admin().get("/api/v1/agents/" + agent + "/memories?query=chess");
        assertThat(query.status()).as(query.raw()).isEqualTo(409);
        assertThat(query.problemType()).isEqualTo("embedder-mismatch");
        assertThat(query.body().path("detail").asString()).contains("Maria", "openai:another-model (1536",
                EMBEDDER + " (1536");
        Api.Response add = admin().post("/api/v1/agents/" + agent + "/memories", Map.of("text",
                "Maria met Klaus", "at", "2026-02-13T08:00:00", "importance", 3));
        assertThat(add.status()).as(add.raw()).isEqualTo(409);
        assertThat(add.problemType()).isEqualTo("embedder-mismatch");
        assertThat(count(agent)).isEqualTo(1);

        // without a query no vector is compared: recency and importance still rank the stream
        assertThat(admin().get("/api/v1/agents/" + agent + "/memories").status()).isEqualTo(200);
    }

    @Test
    void aStreamOfAnotherSizeIsRefusedAndAnEmptyOneTakesThisInstancesEmbedder() {
        String agent = agent(simulation("other-size", null), "Carmen");
        UUID id = UUID.fromString(agent);
        float[] small = new float[384];
        small[0] = 1;
        jdbc.sql("UPDATE agents SET embedder = 'all-minilm-l6-v2-q', dimension = 384, memory_count = 1 WHERE id = :id")
                .param("id", id).update();
        jdbc.sql("""
                INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at, importance,
                                      importance_from, stored_at)
                VALUES (:m, :id, 'observation', 'Carmen sold a cake', :v, '2026-02-13T07:00', '2026-02-13T07:00', 5,
                        'given', now())""")
                .param("m", UUID.randomUUID()).param("id", id).param("v", new PGvector(small)).update();

        Api.Response query = admin().get("/api/v1/agents/" + agent + "/memories?query=cake");
        assertThat(query.status()).as(query.raw()).isEqualTo(409);
        assertThat(query.body().path("detail").asString()).contains("all-minilm-l6-v2-q (384 dimensions)",
                EMBEDDER + " (1536 dimensions)", "lore.models.embedder is all-minilm-l6-v2-q");

        // an agent whose recorded embedder never made a memory has nothing to mix: it takes this instance's
        String empty = agent(simulation("empty-stream", null), "Dora");
        jdbc.sql("UPDATE agents SET embedder = 'all-minilm-l6-v2-q', dimension = 384 WHERE id = :id")
                .param("id", UUID.fromString(empty)).update();
        remember(empty, TEXTS.get(0));
        JsonNode view = admin().get("/api/v1/agents/" + empty).body();
        assertThat(view.path("embedder").path("name").asString()).isEqualTo(EMBEDDER);
        assertThat(view.path("embedder").path("dimension").asInt()).isEqualTo(DIMENSION);
    }

    @Test
    void aRetrievalThatAMoveToAnotherModelOvertakesIsRefusedAndComparesNothing() {
        String agent = agent(simulation("overtaken", null), "Nora");
        UUID id = UUID.fromString(agent);
        for (String text : TEXTS) {
            remember(agent, text);
        }
        // while this instance embeds the query, another instance swaps in its own model's vectors, of the same size
        SERVER.beforeAnswering(() -> transactions.executeWithoutResult(tx -> {
            madeByAnotherModel(id);
        }));
        try {
            for (MemoryStream.Candidates candidates : List.of(MemoryStream.Candidates.ALL,
                    MemoryStream.Candidates.POOLS)) {
                assertThatThrownBy(() -> stream.retrieve(id, "the Valentine party", 5,
                        LocalDateTime.parse("2026-02-13T12:00:00"), new Weights(1, 1, 1), candidates))
                        .as(candidates.name())
                        .isInstanceOfSatisfying(LoreException.class, e -> {
                            assertThat(e.type()).isEqualTo("embedder-mismatch");
                            assertThat(e.getMessage()).contains("openai:another-model");
                        });
                jdbc.sql("UPDATE agents SET embedder = :e WHERE id = :a").param("e", EMBEDDER).param("a", id)
                        .update();
            }
        }
        finally {
            SERVER.beforeAnswering(null);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM memories WHERE agent_id = :a AND last_accessed_at > created_at")
                .param("a", id).query(Long.class).single()).as("nothing marked accessed").isZero();
    }

    @Test
    void anAgentFromBeforeEmbeddersWereRecordedTakesOneOfItsSizeOnly() {
        String agent = agent(simulation("unrecorded", null), "Eddy");
        remember(agent, TEXTS.get(1));
        // what the migration leaves on an agent with memories: no name, its memories' size
        jdbc.sql("UPDATE agents SET embedder = NULL WHERE id = :id").param("id", UUID.fromString(agent)).update();
        remember(agent, TEXTS.get(4));
        assertThat(admin().get("/api/v1/agents/" + agent).body().path("embedder").path("name").asString())
                .isEqualTo(EMBEDDER);

        String older = agent(simulation("unrecorded-384", null), "Fay");
        remember(older, TEXTS.get(1));
        jdbc.sql("UPDATE agents SET embedder = NULL, dimension = 384 WHERE id = :id")
                .param("id", UUID.fromString(older)).update();
        Api.Response add = admin().post("/api/v1/agents/" + older + "/memories", Map.of("text", "Fay read",
                "at", "2026-02-13T08:00:00", "importance", 3));
        assertThat(add.status()).as(add.raw()).isEqualTo(409);
        assertThat(add.body().path("detail").asString()).contains("an unrecorded embedder (384 dimensions)");
    }

    @Test
    void reembeddingMovesAStreamOfAnotherSizeToThisModelAndItRanksByItsVectors() {
        String simulation = simulation("moved", Map.of("recency", 0, "importance", 0, "relevance", 1));
        String agent = agent(simulation, "Gus");
        String other = agent(simulation, "Hana");
        UUID id = UUID.fromString(agent);
        for (String text : TEXTS) {
            insertSmall(id, text);
        }
        insertSmall(UUID.fromString(other), TEXTS.get(0));
        Api.Response refused = admin().get("/api/v1/agents/" + agent + "/memories?query=party");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().path("detail").asString()).contains("POST /api/v1/agents/" + agent + "/reembed",
                "POST /api/v1/simulations/" + simulation + "/reembed");

        SERVER.forget();
        Api.Response moved = admin().post("/api/v1/agents/" + agent + "/reembed", Map.of());
        assertThat(moved.status()).as(moved.raw()).isEqualTo(200);
        assertThat(moved.body().path("from").path("name").asString()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(moved.body().path("from").path("dimension").asInt()).isEqualTo(384);
        assertThat(moved.body().path("to").path("name").asString()).isEqualTo(EMBEDDER);
        assertThat(moved.body().path("to").path("dimension").asInt()).isEqualTo(DIMENSION);
        assertThat(moved.body().path("memories").asLong()).isEqualTo(TEXTS.size());
        assertThat(SERVER.inputs().stream().flatMap(List::stream).toList())
                .containsExactlyInAnyOrderElementsOf(TEXTS);
        assertThat(jdbc.sql("SELECT DISTINCT vector_dims(embedding) FROM memories WHERE agent_id = :a")
                .param("a", id).query(Integer.class).list()).containsExactly(DIMENSION);
        assertThat(admin().get("/api/v1/agents/" + agent).body().path("embedder").path("name").asString())
                .isEqualTo(EMBEDDER);

        String query = "who brings pastries to the Valentine party at Hobbs Cafe, and does Klaus play chess";
        JsonNode ranked = admin().get("/api/v1/agents/" + agent + "/memories?k=5&at=2026-02-13T12:00:00&query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8)).body();
        List<Map.Entry<String, Double>> expected = byCosine(query);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(ranked.get(i).path("text").asString()).as("rank " + i).isEqualTo(expected.get(i).getKey());
            assertThat(ranked.get(i).path("scores").path("raw").path("cosine").asDouble())
                    .isCloseTo(expected.get(i).getValue(), offset(1e-4));
        }

        // again: nothing left to move; the simulation's other agent moves with the simulation
        assertThat(admin().post("/api/v1/agents/" + agent + "/reembed", Map.of()).body().path("memories").asLong())
                .isZero();
        JsonNode all = admin().post("/api/v1/simulations/" + simulation + "/reembed", Map.of()).body();
        assertThat(all.path("agents")).hasSize(2);
        assertThat(admin().get("/api/v1/agents/" + other + "/memories?query=bread").status()).isEqualTo(200);
    }

    @Test
    void reembeddingASameSizeStreamResumesWhatWasStagedAndDropsWhatWasStagedForAnotherModel() {
        String agent = agent(simulation("resumed", null), "Ines");
        UUID id = UUID.fromString(agent);
        for (String text : TEXTS) {
            remember(agent, text);
        }
        // the stream as another model of the same size left it, vectors that are not this model's
        madeByAnotherModel(id);
        // a move to this model that staged all but one memory before it was cut short
        jdbc.sql("UPDATE agents SET staged_embedder = :e, staged_dimension = :d WHERE id = :a")
                .param("e", EMBEDDER).param("d", DIMENSION).param("a", id).update();
        for (String text : TEXTS.subList(1, TEXTS.size())) {
            jdbc.sql("UPDATE memories SET staged_embedding = :v WHERE agent_id = :a AND text = :t")
                    .param("v", new PGvector(SERVER.vector(text, DIMENSION))).param("a", id).param("t", text).update();
        }

        SERVER.forget();
        Api.Response moved = admin().post("/api/v1/agents/" + agent + "/reembed", Map.of());
        assertThat(moved.status()).as(moved.raw()).isEqualTo(200);
        assertThat(moved.body().path("memories").asLong()).isEqualTo(TEXTS.size());
        assertThat(SERVER.inputs()).as("only the memory left unstaged").containsExactly(List.of(TEXTS.get(0)));
        assertThat(cosinesWithOwnText(id)).allSatisfy(c -> assertThat(c).isCloseTo(1.0, offset(1e-6)));

        // vectors staged for yet another model are dropped, not swapped in
        jdbc.sql("UPDATE agents SET embedder = 'openai:another-model', staged_embedder = 'openai:third-model',"
                + " staged_dimension = :d WHERE id = :a").param("d", DIMENSION).param("a", id).update();
        jdbc.sql("UPDATE memories SET staged_embedding = :v WHERE agent_id = :a")
                .param("v", new PGvector(SERVER.vector("unrelated words entirely", DIMENSION))).param("a", id).update();
        SERVER.forget();
        assertThat(admin().post("/api/v1/agents/" + agent + "/reembed", Map.of()).status()).isEqualTo(200);
        assertThat(SERVER.inputs().stream().mapToInt(List::size).sum()).isEqualTo(TEXTS.size());
        assertThat(cosinesWithOwnText(id)).allSatisfy(c -> assertThat(c).isCloseTo(1.0, offset(1e-6)));
    }

    @Test
    void aMoveToAnotherModelStagesNothingOnceThisOneHasRetargetedTheAgent() throws Exception {
        String agent = agent(simulation("raced", null), "Jack");
        UUID id = UUID.fromString(agent);
        for (String text : TEXTS) {
            insertSmall(id, text);
        }
        // another instance, on another model of the same size, is moving the agent and has staged one memory
        CountDownLatch called = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeEmbedder otherModel = inProcess("openai:other-model", DIMENSION, () -> {
            called.countDown();
            await(release);
        });
        MemoryReembedding otherInstance = new MemoryReembedding(jdbc, transactions, otherModel, stream);
        jdbc.sql("UPDATE agents SET staged_embedder = :e, staged_dimension = :d WHERE id = :a")
                .param("e", otherModel.name()).param("d", DIMENSION).param("a", id).update();
        jdbc.sql("UPDATE memories SET staged_embedding = :v WHERE agent_id = :a AND text = :t")
                .param("v", new PGvector(unrelated(DIMENSION))).param("a", id).param("t", TEXTS.get(0)).update();

        ExecutorService requests = Executors.newFixedThreadPool(2);
        Future<MemoryReembedding.Moved> theirs;
        Future<MemoryReembedding.Moved> ours;
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            // holds the staged memory, so that this instance's retarget, which drops it, waits with the agent's row
            // updated and not yet committed
            try (PreparedStatement lock = holder.prepareStatement(
                    "SELECT 1 FROM memories WHERE agent_id = ? AND text = ? FOR UPDATE")) {
                lock.setObject(1, id);
                lock.setString(2, TEXTS.get(0));
                lock.executeQuery().close();
            }
            theirs = requests.submit(() -> otherInstance.reembed(id));
            assertThat(called.await(30, TimeUnit.SECONDS)).isTrue();
            ours = requests.submit(() -> reembedding.reembed(id));
            awaitWaiting("UPDATE memories SET staged_embedding = NULL%");
            // the other instance goes on to stage what it embedded, and has to wait for the agent's row
            release.countDown();
            awaitWaiting("%FROM agents%FOR %");
            holder.commit();
            assertThat(ours.get(30, TimeUnit.SECONDS).memories()).isEqualTo(TEXTS.size());
            assertThatThrownBy(() -> theirs.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(LoreException.class,
                            e -> assertThat(e.type()).isEqualTo("reembedding-superseded"));
        }
        finally {
            release.countDown();
            requests.shutdownNow();
        }
        assertThat(admin().get("/api/v1/agents/" + agent).body().path("embedder").path("name").asString())
                .isEqualTo(EMBEDDER);
        assertThat(cosinesWithOwnText(id)).as("every vector is this model's")
                .allSatisfy(c -> assertThat(c).isCloseTo(1.0, offset(1e-6)));
    }

    @Test
    void aStagedVectorOfAnotherSizeIsNeverSwappedIn() {
        String agent = agent(simulation("misfit", null), "Kate");
        UUID id = UUID.fromString(agent);
        for (String text : TEXTS) {
            insertSmall(id, text);
        }
        jdbc.sql("UPDATE agents SET staged_embedder = :e, staged_dimension = :d WHERE id = :a")
                .param("e", EMBEDDER).param("d", DIMENSION).param("a", id).update();
        for (String text : TEXTS.subList(1, TEXTS.size())) {
            jdbc.sql("UPDATE memories SET staged_embedding = :v WHERE agent_id = :a AND text = :t")
                    .param("v", new PGvector(SERVER.vector(text, DIMENSION))).param("a", id).param("t", text).update();
        }
        // staged under this model's name but of another size: not this model's vector
        jdbc.sql("UPDATE memories SET staged_embedding = :v WHERE agent_id = :a AND text = :t")
                .param("v", new PGvector(SERVER.vector(TEXTS.get(0), 384))).param("a", id).param("t", TEXTS.get(0))
                .update();

        SERVER.forget();
        Api.Response moved = admin().post("/api/v1/agents/" + agent + "/reembed", Map.of());
        assertThat(moved.status()).as(moved.raw()).isEqualTo(200);
        assertThat(SERVER.inputs().stream().flatMap(List::stream).toList()).containsExactly(TEXTS.get(0));
        assertThat(jdbc.sql("SELECT DISTINCT vector_dims(embedding) FROM memories WHERE agent_id = :a")
                .param("a", id).query(Integer.class).list()).containsExactly(DIMENSION);
        assertThat(cosinesWithOwnText(id)).allSatisfy(c -> assertThat(c).isCloseTo(1.0, offset(1e-6)));
    }

    @Test
    void theSwapEmbedsAtMostOneBatchWhileItHoldsTheAgentsRow() {
        String agent = agent(simulation("late", null), "Liam");
        UUID id = UUID.fromString(agent);
        jdbc.sql("""
                INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at, importance,
                                      importance_from, stored_at)
                SELECT gen_random_uuid(), :a, 'observation', 'Liam noted thing ' || g,
                       array_fill(1, ARRAY[384])::real[]::vector, '2026-02-13T08:00', '2026-02-13T08:00', 5, 'given',
                       now()
                FROM generate_series(1, :n) g""")
                .param("a", id).param("n", MemoryReembedding.BATCH + 1).update();
        jdbc.sql("""
                UPDATE agents SET embedder = 'all-minilm-l6-v2-q', dimension = 384, memory_count = :n,
                                  staged_embedder = :e, staged_dimension = :d
                WHERE id = :a""")
                .param("n", MemoryReembedding.BATCH + 1).param("e", EMBEDDER).param("d", DIMENSION).param("a", id)
                .update();
        MemoryStream.StreamEmbedder to = new MemoryStream.StreamEmbedder(EMBEDDER, DIMENSION);

        // more than a batch arrived since staging: nothing is embedded under the lock, the caller stages them first
        SERVER.forget();
        Long deferred = transactions.execute(tx -> reembedding.swap(id, to));
        assertThat(deferred).isNull();
        assertThat(SERVER.inputs()).isEmpty();
        assertThat(stream.embedder(id).name()).isEqualTo("all-minilm-l6-v2-q");

        List<String> late = jdbc.sql("SELECT text FROM memories WHERE agent_id = :a ORDER BY text LIMIT 3")
                .param("a", id).query(String.class).list();
        jdbc.sql("""
                UPDATE memories SET staged_embedding = array_fill(1, ARRAY[:d])::real[]::vector
                WHERE agent_id = :a AND NOT text = ANY (CAST(:late AS text[]))""")
                .param("d", DIMENSION).param("a", id).param("late", late.toArray(String[]::new)).update();
        Long moved = transactions.execute(tx -> reembedding.swap(id, to));
        assertThat(moved).isEqualTo(MemoryReembedding.BATCH + 1L);
        assertThat(SERVER.inputs()).as("one call, for the late ones").hasSize(1);
        assertThat(SERVER.inputs().get(0)).containsExactlyInAnyOrderElementsOf(late);
        assertThat(stream.embedder(id)).isEqualTo(to);
    }

    @Test
    void aReembeddingThatNewMemoriesKeepOutpacingGivesUpWithA503() {
        String agent = agent(simulation("outpaced", null), "Omar");
        UUID id = UUID.fromString(agent);
        insertSmall(id, TEXTS.get(0));
        // with every embedding call, an instance on the old model stores more than a batch, committed only once the
        // swap waits for the agent's row: the swap always finds too many to embed under the lock
        ExecutorService writers = Executors.newCachedThreadPool();
        List<Future<?>> arrivals = new CopyOnWriteArrayList<>();
        FakeEmbedder busy = inProcess("test:busy", 16, () -> {
            CountDownLatch stored = new CountDownLatch(1);
            arrivals.add(writers.submit(() -> arrive(id, MemoryReembedding.BATCH + 1, stored)));
            await(stored);
        });
        MemoryReembedding busyInstance = new MemoryReembedding(jdbc, transactions, busy, stream);
        try {
            assertThatThrownBy(() -> busyInstance.reembed(id)).isInstanceOfSatisfying(LoreException.class, e -> {
                assertThat(e.status().value()).isEqualTo(503);
                assertThat(e.type()).isEqualTo("reembedding-outpaced");
            });
            for (Future<?> arrival : arrivals) {
                arrival.get(30, TimeUnit.SECONDS);
            }
        }
        catch (Exception e) {
            throw new AssertionError(e);
        }
        finally {
            writers.shutdownNow();
        }
        assertThat(stream.embedder(id).name()).as("nothing swapped").isEqualTo("all-minilm-l6-v2-q");
        assertThat(jdbc.sql("SELECT DISTINCT vector_dims(embedding) FROM memories WHERE agent_id = :a")
                .param("a", id).query(Integer.class).list()).containsExactly(384);
    }

    /**
     * Stores {@code count} memories as an instance on the old 384-dimension model would, without the agent's row
     * (an insert's foreign key check holds it FOR KEY SHARE, which a stager's FOR SHARE lets through and the swap's
     * FOR UPDATE waits for), and commits once the swap waits.
     */
    private void arrive(UUID agent, int count, CountDownLatch stored) {
        try (Connection writer = dataSource.getConnection()) {
            writer.setAutoCommit(false);
            try (PreparedStatement insert = writer.prepareStatement("""
                    INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at,
                                          importance, importance_from, stored_at)
                    SELECT gen_random_uuid(), ?, 'observation', 'Omar heard news ' || gen_random_uuid(),
                           array_fill(1, ARRAY[384])::real[]::vector, '2026-02-13T08:00', '2026-02-13T08:00', 5,
                           'given', now()
                    FROM generate_series(1, ?)""")) {
                insert.setObject(1, agent);
                insert.setInt(2, count);
                insert.executeUpdate();
            }
            stored.countDown();
            awaitWaiting("%FROM agents%FOR UPDATE%");
            writer.commit();
        }
        catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void reembeddingAnAgentThatIsGoneIsTheAgentsNotFoundProblem() {
        // the controller finds the agent first; one deleted before the re-embedding reads it is still a 404
        UUID gone = UUID.randomUUID();
        assertThatThrownBy(() -> reembedding.reembed(gone)).isInstanceOfSatisfying(AgentNotFound.class, e -> {
            assertThat(e.status().value()).isEqualTo(404);
            assertThat(e.type()).isEqualTo("agent-not-found");
        });
    }

    /** Waits until a statement of this database matching {@code pattern} waits for a lock. */
    private void awaitWaiting(String pattern) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE :pattern""")
                .param("pattern", pattern).query(Long.class).single() > 0);
    }

    /** Another model, in process: every text gets one vector unlike this model's, after {@code onCall} has run. */
    /** An in-process model that gives every text the same unrelated vector, running {@code onCall} on each call. */
    private static FakeEmbedder inProcess(String name, int dimension, Runnable onCall) {
        return FakeEmbedder.of(name, dimension, text -> unrelated(dimension)).onCall(onCall);
    }

    private static float[] unrelated(int dimension) {
        return SERVER.vector("unrelated words entirely", dimension);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Each memory's cosine with the fake model's vector of its own text: 1 when this model made it. */
    private List<Double> cosinesWithOwnText(UUID agent) {
        return jdbc.sql("SELECT text, embedding::text AS v FROM memories WHERE agent_id = :a").param("a", agent)
                .query((rs, row) -> Embedder.cosine(SERVER.vector(rs.getString("text"), DIMENSION),
                        new PGvector(rs.getString("v")).toArray()))
                .list();
    }

    /** A memory as an instance on the in-process 384-dimension model stores it. */
    private void insertSmall(UUID agent, String text) {
        float[] small = new float[384];
        small[Math.floorMod(text.hashCode(), 384)] = 1;
        jdbc.sql("""
                UPDATE agents SET embedder = 'all-minilm-l6-v2-q', dimension = 384, memory_count = memory_count + 1
                WHERE id = :a""").param("a", agent).update();
        jdbc.sql("""
                INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at, importance,
                                      importance_from, stored_at)
                VALUES (:m, :a, 'observation', :t, :v, '2026-02-13T08:00', '2026-02-13T08:00', 5, 'given', now())""")
                .param("m", UUID.randomUUID()).param("a", agent).param("t", text).param("v", new PGvector(small))
                .update();
    }

    /** The texts by cosine with the query, computed here from the fake model's own vectors. */
    private List<Map.Entry<String, Double>> byCosine(String query) {
        float[] q = SERVER.vector(query, DIMENSION);
        Map<String, Double> cosines = new HashMap<>();
        for (String text : TEXTS) {
            cosines.put(text, Embedder.cosine(q, SERVER.vector(text, DIMENSION)));
        }
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(cosines.entrySet());
        sorted.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i).getValue()).as("the texts rank without ties")
                    .isLessThan(sorted.get(i - 1).getValue());
        }
        return sorted;
    }

    /** The agent's stream as an instance on another model of the same size would leave it: vectors not this model's. */
    private void madeByAnotherModel(UUID agent) {
        jdbc.sql("UPDATE agents SET embedder = 'openai:another-model' WHERE id = :a").param("a", agent).update();
        jdbc.sql("UPDATE memories SET embedding = :v WHERE agent_id = :a")
                .param("v", new PGvector(SERVER.vector("unrelated words entirely", DIMENSION))).param("a", agent)
                .update();
    }

    private <T> T rolledBack(java.util.function.Supplier<T> work) {
        return transactions.execute(status -> {
            status.setRollbackOnly();
            return work.get();
        });
    }

    private long count(String agent) {
        return jdbc.sql("SELECT count(*) FROM memories WHERE agent_id = :a").param("a", UUID.fromString(agent))
                .query(Long.class).single();
    }

    private String simulation(String name, Map<String, Object> weights) {
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "startsAt", "2026-02-13T07:00:00",
                "stepMinutes", 10));
        if (weights != null) {
            body.put("weights", weights);
        }
        Api.Response response = admin().post("/api/v1/simulations", body);
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    private String agent(String simulation, String name) {
        Api.Response response = admin().post("/api/v1/simulations/" + simulation + "/agents", Map.of("name", name));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
        return response.body().path("id").asString();
    }

    private void remember(String agent, String text) {
        Api.Response response = admin().post("/api/v1/agents/" + agent + "/memories",
                Map.of("text", text, "at", "2026-02-13T08:00:00", "importance", 5));
        assertThat(response.status()).as(response.raw()).isEqualTo(201);
    }
}
