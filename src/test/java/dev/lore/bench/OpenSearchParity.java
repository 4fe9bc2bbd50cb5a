package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.SearchFilter;
import dev.lore.retrieval.lexical.LexicalHit;
import dev.lore.retrieval.lexical.OpenSearchIndexes;
import dev.lore.retrieval.lexical.SqlLexicalSearch;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two Lore instances on one OpenSearch node (the tests' in-JVM node) and one database: one ingests a corpus, both
 * wait for the shared index to read ready, then each query's top 10 from each instance's OpenSearch engine are
 * compared (they must be identical: one index, one state), and against the SQL engine's top 10 (overlap: the engines
 * differ in near-ties). Corpora: the 18F handbook with its questions, BEIR SciFact with its test queries. Run by
 * {@code bench/opensearch-parity.sh}; writes {@code bench/results/<date>-opensearch-parity.md}.
 */
public final class OpenSearchParity {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench_opensearch");
        String embedder = options.getOrDefault("embedder", "all-minilm-l6-v2-q");
        List<String> corpora = List.of(options.getOrDefault("corpora", "handbook,scifact").split(","));
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        JsonMapper json = JsonMapper.builder().build();
        String[] engine = Benchmarks.lexicalEngine("opensearch");
        StringBuilder report = new StringBuilder("# OpenSearch engine: two instances, one index (issue 25)\n\nRun "
                + Instant.now() + " by `bench/opensearch-parity.sh` on this 2-core machine: OpenSearch 2.19.6 (the "
                + "tests' node, in the benchmark's JVM), two Lore instances (`lore.retrieval.lexical.engine="
                + "opensearch`, one index prefix) on database `lore_bench_opensearch`. Instance A ingests; both "
                + "wait for `lexicalIndex.state` `ready`, then each query runs on each instance's OpenSearch engine "
                + "(the index, not the SQL fallback: a query the index could not answer would count as a "
                + "failure) and on the SQL engine.\n\n"
                + "| corpus | chunks | queries | identical top-10, A vs B | top-1 = SQL's | mean overlap@10 with SQL "
                + "| index ready after load (s) |\n|---|---|---|---|---|---|---|\n");
        try (ConfigurableApplicationContext a = Benchmarks.start(embedder, dbUrl, engine);
                ConfigurableApplicationContext b = Benchmarks.start(embedder, dbUrl, engine)) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) a).getWebServer().getPort(), json);
            BenchClient clientB = new BenchClient(((WebServerApplicationContext) b).getWebServer().getPort(), json);
            JdbcClient jdbc = a.getBean(JdbcClient.class);
            for (String corpus : corpora) {
                String collection = "parity-" + corpus;
                jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
                client.post("/api/v1/collections", Map.of("name", collection));
                List<String> queries = new ArrayList<>();
                if (corpus.equals("handbook")) {
                    Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
                    loadHandbook(a, client, collection, handbook);
                    for (JsonNode question : json.readTree(Files.readString(
                            Path.of("bench/handbook-questions.json")))) {
                        queries.add(question.path("query").asString());
                    }
                }
                else {
                    BeirDataset dataset = BeirDataset.load(Path.of(options.getOrDefault("scifact",
                            "../shared/eval/scifact")), "test", json);
                    Benchmarks.load(a, client, collection, dataset.corpus());
                    queries.addAll(dataset.queries().values());
                }
                double ready = Benchmarks.awaitLexicalIndex(client, collection);
                Benchmarks.awaitLexicalIndex(clientB, collection);
                long collectionId = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                        .query(Long.class).single();
                long chunks = jdbc.sql("SELECT count(*) FROM chunks WHERE collection_id = :c")
                        .param("c", collectionId).query(Long.class).single();
                OpenSearchIndexes first = a.getBean(OpenSearchIndexes.class);
                OpenSearchIndexes second = b.getBean(OpenSearchIndexes.class);
                SqlLexicalSearch sql = a.getBean(SqlLexicalSearch.class);
                int identical = 0;
                int sameTop = 0;
                double overlap = 0;
                List<String> differing = new ArrayList<>();
                for (String query : queries) {
                    List<LexicalHit> fromA = first.search(collectionId, query, List.of(), null, 10).orElseThrow(
                            () -> new IllegalStateException("instance A's index did not answer: " + query));
                    List<LexicalHit> fromB = second.search(collectionId, query, List.of(), null, 10).orElseThrow(
                            () -> new IllegalStateException("instance B's index did not answer: " + query));
                    if (fromA.equals(fromB)) {
                        identical++;
                    }
                    else {
                        differing.add(query);
                    }
                    List<LexicalHit> fromSql = sql.search(collectionId, query, SearchFilter.NONE, 10);
                    if (!fromA.isEmpty() && !fromSql.isEmpty() && fromA.get(0).chunkId().equals(fromSql.get(0).chunkId())) {
                        sameTop++;
                    }
                    var sqlIds = fromSql.stream().map(LexicalHit::chunkId).toList();
                    long shared = fromA.stream().map(LexicalHit::chunkId).filter(sqlIds::contains).count();
                    overlap += fromSql.isEmpty() ? 1.0 : (double) shared / Math.max(fromA.size(), fromSql.size());
                }
                report.append(String.format(java.util.Locale.ROOT, "| %s | %d | %d | %d / %d | %d / %d | %.3f | %.1f |%n",
                        corpus, chunks, queries.size(), identical, queries.size(), sameTop, queries.size(),
                        overlap / queries.size(), ready));
                if (!differing.isEmpty()) {
                    report.append("\nDiffering between A and B (").append(corpus).append("): ")
                            .append(String.join("; ", differing)).append("\n\n");
                }
                Files.createDirectories(results);
                Files.writeString(results.resolve("2026-12-07-opensearch-parity.md"), report.toString());
                System.out.println(report);
            }
        }
        report.append("""

                A and B read one index through one state document, so their lists are identical by construction;
                what this checks is that both answer from the index (neither falls back to SQL once the state reads
                ready) and that the shared state is read consistently. The overlap with SQL measures the engines'
                near-ties (Lucene keeps chunk lengths in one byte, and tokenizes slightly differently from
                PostgreSQL's parser; see 2026-12-07-lucene-quality.md), not a defect.
                """);
        Files.createDirectories(results);
        Files.writeString(results.resolve("2026-12-07-opensearch-parity.md"), report.toString());
        System.out.println(report);
        System.exit(0);
    }

    private static void loadHandbook(ConfigurableApplicationContext app, BenchClient client, String collection,
            Path handbook) throws Exception {
        List<Path> pages;
        try (Stream<Path> files = Files.walk(handbook)) {
            pages = files.filter(f -> f.toString().endsWith(".md") && !f.getFileName().toString().equals("SOURCE.md"))
                    .sorted().toList();
        }
        Map<String, String> upload = new LinkedHashMap<>();
        for (int i = 0; i < pages.size(); i++) {
            upload.put(handbook.relativize(pages.get(i)).toString(), Files.readString(pages.get(i)));
            if (upload.size() == 40 || i == pages.size() - 1) {
                client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", upload);
                upload.clear();
            }
        }
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        while (jdbc.sql("""
                SELECT count(*) FROM ingestion_items i JOIN collections c ON c.id = i.collection_id
                WHERE c.name = :n AND i.status IN ('QUEUED', 'RUNNING')""").param("n", collection)
                .query(Long.class).single() > 0) {
            Thread.sleep(250);
        }
    }
}
