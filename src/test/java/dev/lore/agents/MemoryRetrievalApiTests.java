package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.models.Embedder;
import dev.lore.support.Api;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The memory stream over HTTP against real pgvector: the paper's score (raw and normalised values, weights, with
 * and without an earlier access), the last-access update, and simulation time.
 */
class MemoryRetrievalApiTests extends IntegrationTest {

    @Autowired
    Embedder embedder;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MemoryStream stream;

    @Autowired
    TransactionTemplate transactions;

    /** A memory as the test knows it, to score it independently of the SQL. */
    private record Known(String id, String text, double importance, LocalDateTime lastAccess) {
    }

    private record Expected(String id, double recency, double importance, double relevance, double total,
            double hours, double cosine) {
    }

    @Test
    void scoresAreThePapersNormalisedSumAndRetrievalMarksTheReturnedMemoriesAccessed() {
        // the clock a day on from the memories, so that the second retrieval, 30 hours after the first, is within a
        // day of it (AgentsAccess.MAX_AHEAD)
        String simulation = AgentsFixture.simulation(admin(), "valentine", "2026-02-14T07:00:00", null);
        String agent = AgentsFixture.agent(admin(), simulation, "Isabella", List.of());
        List<Known> memories = new ArrayList<>(List.of(
                known(agent, "Isabella is planning a Valentine's Day party at Hobbs Cafe", "2026-02-13T07:00:00", 8),
                known(agent, "The refrigerator in the kitchen is empty", "2026-02-13T09:00:00", 2),
                known(agent, "Klaus is writing a research paper on gentrification", "2026-02-13T11:00:00", 5),
                known(agent, "Maria asked about the party decorations", "2026-02-13T12:30:00", 6)));
        String query = "Who is coming to the Valentine's Day party?";

        LocalDateTime first = LocalDateTime.parse("2026-02-13T17:00:00");
        JsonNode top2 = retrieve(agent, query, 2, first);
        List<Expected> expected = expected(memories, query, first, 1, 1, 1);
        assertMatches(top2, expected.subList(0, 2));
        assertThat(top2.get(0).path("scores").path("raw").path("hours").asDouble()).isGreaterThan(4);

        for (JsonNode returned : top2) {
            LocalDateTime stored = jdbc.sql("SELECT last_accessed_at FROM memories WHERE id = :id")
                    .param("id", UUID.fromString(returned.path("id").asString())).query(LocalDateTime.class).single();
            assertThat(stored).isEqualTo(first);
        }
        List<Known> accessed = new ArrayList<>();
        for (Known memory : memories) {
            boolean returned = expected.subList(0, 2).stream().anyMatch(e -> e.id().equals(memory.id()));
            accessed.add(returned ? new Known(memory.id(), memory.text(), memory.importance(), first) : memory);
        }

        LocalDateTime second = first.plusHours(30);
        JsonNode all = retrieve(agent, query, 10, second);
        List<Expected> again = expected(accessed, query, second, 1, 1, 1);
        assertMatches(all, again);
        assertThat(byId(all, expected.get(0).id()).path("scores").path("raw").path("hours").asDouble())
                .isCloseTo(30, offset(1e-9));
        assertThat(byId(all, expected.get(0).id()).path("lastAccessedAt").asString()).isEqualTo("2026-02-13T17:00:00");
    }

    @Test
    void weightsComeFromTheSimulationAndTheClockIsTheSimulationsOwn() {
        String simulation = AgentsFixture.simulation(admin(), "weighted", "2026-02-13T07:00:00",
                Map.of("recency", 0, "importance", 2, "relevance", 0.5));
        String agent = AgentsFixture.agent(admin(), simulation, "Klaus", List.of());
        List<Known> memories = List.of(
                known(agent, "Klaus reads about urban history in the library", "2026-02-13T06:00:00", 3),
                known(agent, "Klaus finished the first chapter of his paper", "2026-02-13T06:30:00", 9),
                known(agent, "Klaus will meet Maria for lunch tomorrow", "2026-02-13T09:00:00", 7));

        JsonNode atClock = retrieve(agent, "paper", 10, null);
        assertThat(atClock).as("a memory from after the simulation's clock is not yet remembered").hasSize(2);
        LocalDateTime clock = LocalDateTime.parse("2026-02-13T07:00:00");
        assertMatches(atClock, expected(memories.subList(0, 2), "paper", clock, 0, 2, 0.5));
    }

    @Test
    void withoutAQueryRelevanceIsLeftOut() {
        String simulation = AgentsFixture.simulation(admin(), "no-query", "2026-02-13T07:00:00", null);
        String agent = AgentsFixture.agent(admin(), simulation, "Maria", List.of());
        AgentsFixture.remember(admin(), agent, "Maria studies physics", "2026-02-13T07:00:00", 4);
        AgentsFixture.remember(admin(), agent, "Maria is in love with Klaus", "2026-02-13T07:00:00", 9);

        JsonNode result = retrieve(agent, null, 10, LocalDateTime.parse("2026-02-13T08:00:00"));
        assertThat(result.get(0).path("text").asString()).isEqualTo("Maria is in love with Klaus");
        assertThat(result.get(0).path("scores").path("relevance").isNull()
                || result.get(0).path("scores").path("relevance").isMissingNode()).isTrue();
        assertThat(result.get(0).path("scores").path("recency").asDouble()).isEqualTo(0.5);
        assertThat(result.get(0).path("scores").path("total").asDouble()).isCloseTo(1.5, offset(1e-9));
        assertThat(result.get(1).path("scores").path("total").asDouble()).isCloseTo(0.5, offset(1e-9));
    }

    @Test
    void boundedCandidatePoolsScoreASmallStreamExactlyAsScoringItWhole() {
        String simulation = AgentsFixture.simulation(admin(), "pools", "2026-02-13T07:00:00", null);
        String agent = AgentsFixture.agent(admin(), simulation, "Carmen", List.of());
        String[] topics = {"the bakery", "the river walk", "a chess game", "the town hall", "a birthday gift"};
        for (int i = 0; i < 40; i++) {
            AgentsFixture.remember(admin(), agent, "Carmen thought about " + topics[i % topics.length] + " on day "
                    + i, LocalDateTime.parse("2026-02-01T07:00:00").plusHours(7L * i).toString(), 1 + (i * 7) % 10);
        }
        UUID id = UUID.fromString(agent);
        LocalDateTime at = LocalDateTime.parse("2026-02-13T07:00:00");
        List<ScoredMemory> whole = rolledBack(() -> stream.retrieve(id, "a present for a birthday", 10, at,
                Weights.EQUAL, MemoryStream.Candidates.ALL));
        List<ScoredMemory> pooled = rolledBack(() -> stream.retrieve(id, "a present for a birthday", 10, at,
                Weights.EQUAL, MemoryStream.Candidates.POOLS));
        assertThat(pooled).hasSize(10);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(pooled.get(i).memory().id()).isEqualTo(whole.get(i).memory().id());
            assertThat(pooled.get(i).scores().total()).isCloseTo(whole.get(i).scores().total(), offset(1e-9));
        }
    }

    private <T> T rolledBack(java.util.function.Supplier<T> work) {
        return transactions.execute(status -> {
            status.setRollbackOnly();
            return work.get();
        });
    }

    private Known known(String agent, String text, String at, double importance) {
        String id = AgentsFixture.remember(admin(), agent, text, at, importance);
        return new Known(id, text, importance, LocalDateTime.parse(at));
    }

    private JsonNode retrieve(String agent, String query, int k, LocalDateTime at) {
        StringBuilder path = new StringBuilder("/api/v1/agents/" + agent + "/memories?k=" + k);
        if (query != null) {
            path.append("&query=").append(java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (at != null) {
            path.append("&at=").append(at);
        }
        Api.Response response = admin().get(path.toString());
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }

    /** The paper's arithmetic, done here in Java from the embedder's own vectors. */
    private List<Expected> expected(List<Known> memories, String query, LocalDateTime at, double wRecency,
            double wImportance, double wRelevance) {
        float[] q = embedder.embedQuery(query);
        Map<String, double[]> raw = new HashMap<>();
        for (Known memory : memories) {
            float[] d = embedder.embedDocuments(List.of(memory.text())).get(0);
            double hours = Duration.between(memory.lastAccess(), at).toSeconds() / 3600.0;
            raw.put(memory.id(),
                    new double[] {hours, Math.pow(0.995, hours), memory.importance(), Embedder.cosine(q, d)});
        }
        double[][] bounds = new double[4][2];
        for (int c = 1; c < 4; c++) {
            int column = c;
            bounds[c][0] = raw.values().stream().mapToDouble(v -> v[column]).min().orElseThrow();
            bounds[c][1] = raw.values().stream().mapToDouble(v -> v[column]).max().orElseThrow();
        }
        List<Expected> expected = new ArrayList<>();
        for (Known memory : memories) {
            double[] v = raw.get(memory.id());
            double recency = normalise(v[1], bounds[1]);
            double importance = normalise(v[2], bounds[2]);
            double relevance = normalise(v[3], bounds[3]);
            expected.add(new Expected(memory.id(), recency, importance, relevance,
                    wRecency * recency + wImportance * importance + wRelevance * relevance, v[0], v[3]));
        }
        expected.sort(Comparator.comparingDouble(Expected::total).reversed());
        return expected;
    }

    private static void assertMatches(JsonNode actual, List<Expected> expected) {
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode scores = actual.get(i).path("scores");
            Expected e = expected.get(i);
            assertThat(actual.get(i).path("id").asString()).as("rank " + i).isEqualTo(e.id());
            assertThat(scores.path("raw").path("hours").asDouble()).isCloseTo(e.hours(), offset(1e-9));
            assertThat(scores.path("raw").path("recency").asDouble()).isCloseTo(Math.pow(0.995, e.hours()),
                    offset(1e-12));
            assertThat(scores.path("raw").path("cosine").asDouble()).isCloseTo(e.cosine(), offset(1e-4));
            assertThat(scores.path("recency").asDouble()).isCloseTo(e.recency(), offset(1e-9));
            assertThat(scores.path("importance").asDouble()).isCloseTo(e.importance(), offset(1e-9));
            assertThat(scores.path("relevance").asDouble()).isCloseTo(e.relevance(), offset(1e-3));
            assertThat(scores.path("total").asDouble()).isCloseTo(e.total(), offset(3e-3));
        }
    }

    private static JsonNode byId(JsonNode list, String id) {
        for (JsonNode node : list) {
            if (node.path("id").asString().equals(id)) {
                return node;
            }
        }
        throw new AssertionError("no memory " + id);
    }

    private static double normalise(double value, double[] bounds) {
        return bounds[1] == bounds[0] ? 0.5 : (value - bounds[0]) / (bounds[1] - bounds[0]);
    }
}
