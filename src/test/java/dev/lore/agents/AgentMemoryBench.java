package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.agents.memory.MemoryIndexes;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.FakeGeneratorBackend;
import dev.lore.support.IntegrationTest;

/**
 * Retrieval over one agent's 100,000 memories: latency of the bounded candidate pools against scoring every memory,
 * and the top-10 agreement between them; plus model calls per memory added with batched rating. Runs only when
 * {@code LORE_BENCH_AGENT_MEMORY} is set ({@code bench/agent-memory.sh}): it loads 100,000 rows.
 */
@EnabledIfEnvironmentVariable(named = "LORE_BENCH_AGENT_MEMORY", matches = ".+")
@Import(FakeGeneratorBackend.class)
@TestPropertySource(properties = {"lore.generator=fake", "lore.agents.reflection-threshold=1000000000"})
class AgentMemoryBench extends IntegrationTest {

    private static final int MEMORIES = 100_000;
    private static final int QUERIES = 100;
    private static final int WARM_UP = 10;
    private static final LocalDateTime START = LocalDateTime.parse("2026-01-01T06:00:00");

    private static final String[] PEOPLE = {"Isabella", "Klaus", "Maria", "Sam", "Jennifer", "Eddy", "Abigail",
        "Tom", "Carmen", "Yuriko", "Latoya", "Rajiv", "Hailey", "Arthur", "Wolfgang"};
    private static final String[] ACTS = {"talked with", "had coffee with", "argued with", "helped", "painted a "
        + "portrait of", "walked to the park with", "planned a party with", "studied chemistry with",
        "cooked dinner for", "played chess against", "wrote a letter to", "borrowed a book from"};
    private static final String[] PLACES = {"at Hobbs Cafe", "in the library", "at the pharmacy", "by the river",
        "at the college", "in the town square", "at the bar", "at home", "in the supply store", "at the park"};

    @Autowired
    Embedder embedder;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JdbcTemplate template;

    @Autowired
    MemoryStream stream;

    @Autowired
    TransactionTemplate transactions;

    @Test
    void retrievalOverOneAgentsHundredThousandMemories() throws Exception {
        Map<String, Object> results = new LinkedHashMap<>();
        String simulation = AgentsFixture.simulation(admin(), "bench-memory", "2026-04-15T07:00:00", null);
        String agentId = AgentsFixture.agent(admin(), simulation, "Bench", List.of());
        UUID agent = UUID.fromString(agentId);

        List<String> sentences = new ArrayList<>();
        for (String person : PEOPLE) {
            for (String act : ACTS) {
                for (String place : PLACES) {
                    sentences.add("I " + act + " " + person + " " + place);
                }
            }
        }
        long t0 = System.nanoTime();
        List<float[]> vocabulary = embedder.embedDocuments(sentences);
        results.put("vocabularySentences", sentences.size());
        results.put("vocabularyEmbedSeconds", (System.nanoTime() - t0) / 1e9);

        t0 = System.nanoTime();
        load(agent, sentences, vocabulary);
        results.put("loadSeconds", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        template.execute("SET maintenance_work_mem = '512MB'");
        template.execute("CREATE INDEX " + MemoryIndexes.indexName(embedder.dimension()) + " "
                + MemoryIndexes.definition(embedder.dimension()));
        template.execute("VACUUM ANALYZE memories");
        results.put("indexBuildSeconds", (System.nanoTime() - t0) / 1e9);

        Random random = new Random(7);
        LocalDateTime at = LocalDateTime.parse("2026-04-15T07:00:00");
        List<Double> exactMs = new ArrayList<>();
        List<Double> pooledMs = new ArrayList<>();
        List<Double> embedMs = new ArrayList<>();
        double agreement = 0;
        int exactlyEqual = 0;
        for (int q = 0; q < WARM_UP + QUERIES; q++) {
            String query = "What do I remember about " + PEOPLE[random.nextInt(PEOPLE.length)] + " and "
                    + ACTS[random.nextInt(ACTS.length)].split(" ")[0] + " " + PLACES[random.nextInt(PLACES.length)]
                    + "?";
            long e0 = System.nanoTime();
            embedder.embedQuery(query);
            double embed = (System.nanoTime() - e0) / 1e6;
            long x0 = System.nanoTime();
            List<ScoredMemory> exact = rolledBack(() -> stream.retrieve(agent, query, 10, at, Weights.EQUAL,
                    MemoryStream.Candidates.ALL));
            double exactTime = (System.nanoTime() - x0) / 1e6;
            long p0 = System.nanoTime();
            List<ScoredMemory> pooled = rolledBack(() -> stream.retrieve(agent, query, 10, at, Weights.EQUAL,
                    MemoryStream.Candidates.POOLS));
            double pooledTime = (System.nanoTime() - p0) / 1e6;
            if (q < WARM_UP) {
                continue;
            }
            embedMs.add(embed);
            exactMs.add(exactTime);
            pooledMs.add(pooledTime);
            Set<UUID> truth = new HashSet<>(exact.stream().map(m -> m.memory().id()).toList());
            long shared = pooled.stream().filter(m -> truth.contains(m.memory().id())).count();
            agreement += shared / 10.0;
            if (exact.stream().map(m -> m.memory().id()).toList()
                    .equals(pooled.stream().map(m -> m.memory().id()).toList())) {
                exactlyEqual++;
            }
        }
        results.put("queries", QUERIES);
        results.put("top10Agreement", agreement / QUERIES);
        results.put("identicalRankings", exactlyEqual);
        results.put("queryEmbedMs", percentiles(embedMs));
        results.put("pooledRetrieveMs", percentiles(pooledMs));
        results.put("exactRetrieveMs", percentiles(exactMs));

        List<Double> httpMs = new ArrayList<>();
        for (int q = 0; q < WARM_UP + QUERIES; q++) {
            String query = "Who did I " + ACTS[q % ACTS.length] + " " + PLACES[(q * 7) % PLACES.length] + "?";
            long h0 = System.nanoTime();
            Api.Response response = admin().get("/api/v1/agents/" + agentId + "/memories?k=10&at=2026-04-15T07:00:00"
                    + "&query=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8));
            double took = (System.nanoTime() - h0) / 1e6;
            assertThat(response.status()).isEqualTo(200);
            if (q >= WARM_UP) {
                httpMs.add(took);
            }
        }
        results.put("httpGetMs", percentiles(httpMs));

        String rated = AgentsFixture.agent(admin(), simulation, "Rated", List.of());
        int before = FakeGeneratorBackend.GENERATOR.requests().size();
        List<Map<String, String>> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(Map.of("text", sentences.get(i), "at", "2026-04-15T07:00:00"));
        }
        Api.Response added = admin().post("/api/v1/agents/" + rated + "/memories", batch);
        assertThat(added.status()).isEqualTo(201);
        int calls = FakeGeneratorBackend.GENERATOR.requests().size() - before;
        results.put("ratingCallsFor100Memories", calls);
        results.put("ratingCallsPerMemory", calls / 100.0);

        String json = this.json.writerWithDefaultPrettyPrinter().writeValueAsString(results);
        System.out.println("AGENT MEMORY BENCH " + json);
        Files.writeString(Path.of("target", "agent-memory-bench.json"), json);
    }

    private void load(UUID agent, List<String> sentences, List<float[]> vocabulary) {
        template.execute("DROP INDEX IF EXISTS " + MemoryIndexes.indexName(embedder.dimension()));
        Random random = new Random(42);
        LocalDateTime end = START.plusMinutes(90L * MEMORIES / 60);
        Timestamp now = Timestamp.from(java.time.Instant.now());
        List<Object[]> rows = new ArrayList<>();
        for (int n = 0; n < MEMORIES; n++) {
            int a = random.nextInt(sentences.size());
            int b = random.nextInt(sentences.size());
            float[] mixed = new float[vocabulary.get(a).length];
            double norm = 0;
            for (int i = 0; i < mixed.length; i++) {
                mixed[i] = (float) (vocabulary.get(a)[i] + 0.5 * vocabulary.get(b)[i] + 0.02 * random.nextGaussian());
                norm += mixed[i] * mixed[i];
            }
            for (int i = 0; i < mixed.length; i++) {
                mixed[i] /= (float) Math.sqrt(norm);
            }
            LocalDateTime created = START.plusSeconds(90L * n);
            LocalDateTime accessed = random.nextDouble() < 0.1
                    ? created.plusSeconds((long) (random.nextDouble() * java.time.Duration.between(created, end)
                            .toSeconds()))
                    : created;
            double u = random.nextDouble();
            int importance = 1 + (int) Math.floor(9.999 * u * u);
            rows.add(new Object[] {UUID.randomUUID(), agent, sentences.get(a) + " (" + n + ")", new PGvector(mixed),
                Timestamp.valueOf(created), Timestamp.valueOf(accessed), importance, now});
            if (rows.size() == 2000) {
                insert(rows);
                rows.clear();
            }
        }
        insert(rows);
        jdbc.sql("UPDATE agents SET memory_count = :n WHERE id = :id").param("n", MEMORIES).param("id", agent)
                .update();
    }

    private void insert(List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        template.batchUpdate("""
                INSERT INTO memories (id, agent_id, kind, text, embedding, created_at, last_accessed_at, importance,
                                      importance_from, stored_at)
                VALUES (?, ?, 'observation', ?, ?, ?, ?, ?, 'given', ?)""", rows);
    }

    private <T> T rolledBack(Supplier<T> work) {
        return transactions.execute(status -> {
            status.setRollbackOnly();
            return work.get();
        });
    }

    private static Map<String, Double> percentiles(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("p50", sorted[(int) Math.floor(0.50 * (sorted.length - 1))]);
        result.put("p90", sorted[(int) Math.floor(0.90 * (sorted.length - 1))]);
        result.put("p99", sorted[(int) Math.floor(0.99 * (sorted.length - 1))]);
        result.put("mean", Arrays.stream(sorted).average().orElse(0));
        return result;
    }
}
