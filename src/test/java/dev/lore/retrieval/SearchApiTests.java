package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.lexical.LexicalProperties;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchApiTests extends IntegrationTest {

    @Autowired
    LexicalProperties lexical;

    @Autowired
    JdbcClient jdbc;

    private static final String COLLECTION = "search-tests";

    @BeforeAll
    void ingestCorpus() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", """
                        # Leave
                        ## Annual leave
                        Employees accrue vacation days every pay period; full-time staff earn between 13 and 26 days
                        of annual leave a year depending on their years of service.
                        """),
                Part.file("laptops.md", """
                        # Equipment
                        ## Laptops
                        New hires receive a laptop on their first day. Broken computers are replaced by the IT desk.
                        """),
                Part.file("travel.md", """
                        # Travel
                        ## Booking trains
                        Book train tickets through the travel agency portal at least a week ahead.
                        """));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
    }

    @Test
    void everyModeFindsTheRelevantDocumentFirst() {
        for (String mode : List.of("dense", "lexical", "hybrid")) {
            JsonNode response = search(Map.of("query", "How many vacation days do employees earn?", "mode", mode));
            JsonNode first = response.path("results").get(0);
            assertThat(first.path("source").asString()).as(mode).isEqualTo("leave.md");
            assertThat(first.path("text").asString()).contains("vacation days");
            assertThat(first.path("chunkId").asString()).isNotBlank();
            assertThat(first.path("documentId").asString()).isNotBlank();
            assertThat(response.path("timingsMs").has("total")).isTrue();
        }
        JsonNode hybrid = search(Map.of("query", "vacation days annual leave"));
        JsonNode scores = hybrid.path("results").get(0).path("scores");
        assertThat(scores.has("dense")).isTrue();
        assertThat(scores.has("lexical")).isTrue();
        assertThat(scores.path("fused").asDouble()).isEqualTo(1.0 / 6 + 1.0 / 6,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(hybrid.path("timingsMs").has("embed")).isTrue();
        assertThat(hybrid.path("timingsMs").has("dense")).isTrue();
        assertThat(hybrid.path("timingsMs").has("lexical")).isTrue();
    }

    @Test
    void denseScoresAreCosineSimilaritiesInOrder() {
        JsonNode results = search(Map.of("query", "laptop for new hires", "mode", "dense", "topK", 3)).path("results");
        assertThat(results).hasSize(3);
        double previous = 1.0;
        for (JsonNode result : results) {
            double score = result.path("score").asDouble();
            assertThat(score).isBetween(-1.0, previous);
            previous = score;
        }
        assertThat(results.get(0).path("source").asString()).isEqualTo("laptops.md");
    }

    @Test
    void filtersBySourceAndTopK() {
        JsonNode results = search(Map.of("query", "vacation days", "filter", Map.of("source", "travel.md")))
                .path("results");
        assertThat(results).isNotEmpty();
        assertThat(results.valueStream()).allSatisfy(r -> assertThat(r.path("source").asString()).isEqualTo("travel.md"));

        assertThat(search(Map.of("query", "leave laptops travel", "mode", "dense", "topK", 1)).path("results"))
                .hasSize(1);
    }

    @Test
    void explainShowsTheStages() {
        JsonNode response = search(Map.of("query", "train tickets", "explain", true));
        JsonNode trace = response.path("trace");
        assertThat(trace.path("queries").get(0).path("text").asString()).isEqualTo("train tickets");
        assertThat(trace.path("stages").has("dense")).isTrue();
        assertThat(trace.path("stages").has("lexical")).isTrue();
        assertThat(trace.path("stages").path("fused").path("k").asInt()).isEqualTo(5);
        assertThat(search(Map.of("query", "train tickets")).has("trace")).isFalse();
    }

    @Test
    void lexicalScoresAreOkapiBm25OverTheWholeCollection() {
        String query = "vacation days for employees";
        Map<String, Double> expected = bm25(query);
        JsonNode results = search(Map.of("query", query, "mode", "lexical", "topK", 10)).path("results");
        assertThat(results).isNotEmpty();
        for (JsonNode hit : results) {
            assertBm25(hit.path("score").asDouble(), expected.get(hit.path("chunkId").asString()),
                    hit.path("source").asString());
        }
        JsonNode filtered = search(Map.of("query", query, "mode", "lexical",
                "filter", Map.of("source", "leave.md"))).path("results");
        assertBm25(filtered.get(0).path("score").asDouble(), expected.get(filtered.get(0).path("chunkId").asString()),
                "a filter does not change document frequencies");
    }

    /**
     * The SQL engine computes BM25 exactly as {@link #bm25} does. The Lucene and OpenSearch engines (once their index
     * has caught up) keep a chunk's length in one byte and counts its words rather than its distinct lexemes: within a few percent.
     */
    private void assertBm25(double actual, double expected, String description) {
        if (lexical.engine() != LexicalProperties.Engine.SQL) {
            assertThat(actual).as(description).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(5));
        }
        else {
            assertThat(actual).as(description).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    /** BM25 (k1 = 1.2, b = 0.75) computed here from the stored full-text vectors, independently of the search SQL. */
    private Map<String, Double> bm25(String query) {
        List<String> terms = jdbc.sql("SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', :q))")
                .param("q", query).query(String.class).list();
        record Posting(String chunk, String lexeme, int tf, int length) {
        }
        List<Posting> postings = jdbc.sql("""
                SELECT k.id::text, u.lexeme, cardinality(u.positions), length(k.tsv)
                FROM chunks k JOIN collections c ON c.id = k.collection_id, unnest(k.tsv) u
                WHERE c.name = :name""").param("name", COLLECTION)
                .query((rs, n) -> new Posting(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4))).list();
        Map<String, Integer> lengths = new HashMap<>();
        postings.forEach(p -> lengths.put(p.chunk(), p.length()));
        double n = lengths.size();
        double avgdl = lengths.values().stream().mapToInt(Integer::intValue).average().orElseThrow();
        Map<String, Double> scores = new HashMap<>();
        for (String term : terms) {
            List<Posting> withTerm = postings.stream().filter(p -> p.lexeme().equals(term)).toList();
            double idf = Math.log(1 + (n - withTerm.size() + 0.5) / (withTerm.size() + 0.5));
            for (Posting p : withTerm) {
                double score = idf * p.tf() * 2.2 / (p.tf() + 1.2 * (0.25 + 0.75 * p.length() / avgdl));
                scores.merge(p.chunk(), score, Double::sum);
            }
        }
        return scores;
    }

    @Test
    void aQueryOfOnlyStopWordsFindsNothingLexically() {
        assertThat(search(Map.of("query", "the of and", "mode", "lexical")).path("results")).isEmpty();
    }

    @Test
    void refusesInvalidSearches() {
        assertProblem(Map.of("query", "x", "mode", "fuzzy"), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "topK", 0), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "topK", 101), 400, "invalid-request");
        assertProblem(Map.of("query", "  "), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "hyde", true), 400, "generator-unavailable");
        assertProblem(Map.of("query", "x", "hyde", Map.of("documents", 4)), 400, "generator-unavailable");
        assertProblem(Map.of("query", "x", "hyde", Map.of("documents", 0)), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "hyde", Map.of("passages", 2)), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "hyde", "yes"), 400, "malformed-body");
        assertProblem(Map.of("query", "x", "filter", Map.of("sources", "a.md")), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "hyde", true, "mode", "lexical"), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "rerank", "cross-encoder"), 400, "reranker-unavailable");
        assertProblem(Map.of("query", "x", "rerank", "llm"), 400, "reranker-unavailable");
        assertProblem(Map.of("query", "x", "rerank", "llm", "rerankCandidates", 500), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "rerank", "magic"), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "filter", Map.of("colour", "red")), 400, "invalid-request");
        assertProblem(Map.of("query", "x", "filter", Map.of("documentId", "nope")), 400, "malformed-body");
        Api.Response unknown = admin().post("/api/v1/search", Map.of("collection", "absent", "query", "x"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("collection-not-found");
        Api.Response noCollection = admin().post("/api/v1/search", Map.of("query", "x"));
        assertThat(noCollection.status()).isEqualTo(400);
        Api.Response malformed = admin().post("/api/v1/search", "{\"query\": \"x\", \"topK\": \"many\"}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.problemType()).isEqualTo("malformed-body");
    }

    @Test
    void unknownTopLevelFieldsAreRefusedByNameAndTheTraceSpeaksTheRequestsVocabulary() {
        Api.Response misspelt = admin().post("/api/v1/search", Map.of("collection", COLLECTION, "query", "x",
                "top_k", 3));
        assertThat(misspelt.status()).isEqualTo(400);
        assertThat(misspelt.problemType()).isEqualTo("invalid-request");
        assertThat(misspelt.body().path("detail").asString()).contains("'top_k'").contains("topK");
        JsonNode trace = search(Map.of("query", "vacation days", "explain", true,
                "filter", Map.of("source", "leave.md"))).path("trace");
        assertThat(trace.path("filter").path("source").get(0).asString()).isEqualTo("leave.md");
        assertThat(trace.path("filter").has("sources")).isFalse();
    }

    private void assertProblem(Map<String, Object> body, int status, String type) {
        Map<String, Object> request = new HashMap<>(body);
        request.put("collection", COLLECTION);
        Api.Response response = admin().post("/api/v1/search", request);
        assertThat(response.status()).as(body.toString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.problemType()).as(body.toString()).isEqualTo(type);
    }

    private JsonNode search(Map<String, Object> body) {
        Map<String, Object> request = new HashMap<>(body);
        request.put("collection", COLLECTION);
        Api.Response response = admin().post("/api/v1/search", request);
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }
}
