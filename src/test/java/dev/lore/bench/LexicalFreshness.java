package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.evaluation.RetrievalMetrics;
import dev.lore.retrieval.lexical.LexicalHit;
import dev.lore.retrieval.lexical.LuceneIndexes;
import tools.jackson.databind.json.JsonMapper;

/**
 * The consistency promise of the Lucene engine, measured with two Lore instances on one database, each with its own
 * index directory and the default poll interval: documents are uploaded one at a time to the first, and for each the
 * time from its ingestion reading DONE to its word being found on each instance <em>from that instance's index</em>
 * ({@link LuceneIndexes#search} answers only from the index, never from the SQL fallback); then the same from a
 * delete's 204 to the index answering without it. Through the API the document is searchable (SQL) the moment it
 * reads DONE; the run checks that too. The two instances share this JVM (one Spring context each). Run by
 * {@code bench/lexical-freshness.sh}; writes {@code bench/results/2026-12-07-lexical-freshness.md}.
 */
public final class LexicalFreshness {

    private static final long POLL_NANOS = 2_000_000;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        int documents = Integer.parseInt(options.getOrDefault("documents", "100"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_freshness");
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String embedder = "all-minilm-l6-v2-q";
        JsonMapper json = JsonMapper.builder().build();
        String collection = "lexical-freshness";
        try (ConfigurableApplicationContext one = Benchmarks.start(embedder, dbUrl, Benchmarks.lexicalEngine("lucene"));
                ConfigurableApplicationContext two = Benchmarks.start(embedder, dbUrl,
                        Benchmarks.lexicalEngine("lucene"))) {
            BenchClient writer = client(one, json);
            BenchClient reader = client(two, json);
            List<LuceneIndexes> indexes = List.of(one.getBean(LuceneIndexes.class), two.getBean(LuceneIndexes.class));
            JdbcClient jdbc = one.getBean(JdbcClient.class);
            jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
            writer.post("/api/v1/collections", Map.of("name", collection));
            long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                    .query(Long.class).single();
            // a first document, so that both indexes exist before the clock runs (and the embedder is warm)
            await(writer, writer.uploadMarkdown("/api/v1/collections/" + collection + "/documents",
                    Map.of("warm-up.md", "# Warm-up\n\nThe first document of the run.\n")).path("ingestionId")
                    .asString());
            Benchmarks.awaitLexicalIndex(writer, collection);
            Benchmarks.awaitLexicalIndex(reader, collection);

            long[][] found = new long[2][documents];
            long[][] gone = new long[2][documents];
            int foundThroughApi = 0;
            for (int i = 0; i < documents; i++) {
                String word = LexicalScale.word(200_000 + i);
                String source = "fresh-" + i + ".md";
                String ingestion = writer.uploadMarkdown("/api/v1/collections/" + collection + "/documents",
                        Map.of(source, "# Note " + i + "\n\nThe " + word + " is filed here.\n")).path("ingestionId")
                        .asString();
                await(writer, ingestion);
                long done = System.nanoTime();
                if (reader.post("/api/v1/search", Map.of("collection", collection, "query", word, "mode", "lexical"))
                        .path("results").size() == 1) {
                    foundThroughApi++;
                }
                long[] at = until(indexes, id, word, true);
                found[0][i] = at[0] - done;
                found[1][i] = at[1] - done;

                UUID document = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = :s")
                        .param("c", id).param("s", source).query(UUID.class).single();
                writer.delete("/api/v1/collections/" + collection + "/documents/" + document);
                long deleted = System.nanoTime();
                at = until(indexes, id, word, false);
                gone[0][i] = at[0] - deleted;
                gone[1][i] = at[1] - deleted;
            }
            String report = "# Lexical freshness with two instances\n\nRun " + Instant.now() + " on "
                    + Runtime.getRuntime().availableProcessors() + " cores (shared with other builds) by "
                    + "`bench/lexical-freshness.sh`: two Lore instances on one database, the Lucene engine on both "
                    + "with the default `poll-interval` (500 ms), each with its own index directory (one JVM, a "
                    + "Spring context each). " + documents + " documents uploaded one at a time to instance 1 "
                    + "(either instance's worker may ingest it); for each, the time from its ingestion reading DONE "
                    + "(polled every 10 ms) to its word being found by each instance's own index (not the SQL "
                    + "fallback), and from its delete's 204 to each index answering without it.\n\n"
                    + "| event | instance | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n"
                    + row("found after DONE", "1 (uploaded to)", found[0]) + row("found after DONE", "2", found[1])
                    + row("gone after delete", "1 (deleted on)", gone[0]) + row("gone after delete", "2", gone[1])
                    + String.format(Locale.ROOT, "%nThrough the API, instance 2 found %d of %d documents the moment "
                            + "their ingestion read DONE (SQL answers while its index has not applied the change).%n"
                            + "Target: p99 at most 2,000 ms on every instance.%n", foundThroughApi, documents);
            Files.createDirectories(results);
            Files.writeString(results.resolve("2026-12-07-lexical-freshness.md"), report);
            System.out.println(report);
        }
        System.exit(0);
    }

    private static BenchClient client(ConfigurableApplicationContext app, JsonMapper json) {
        return new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
    }

    private static void await(BenchClient client, String ingestion) {
        while (true) {
            String status = client.get("/api/v1/ingestions/" + ingestion).path("status").asString("");
            if (status.equals("DONE")) {
                return;
            }
            if (status.equals("FAILED")) {
                throw new IllegalStateException("ingestion " + ingestion + " failed");
            }
            Benchmarks.sleep(java.time.Duration.ofMillis(10));
        }
    }

    /** When each index first answers with the word found ({@code present}) or answers without it; polls both. */
    private static long[] until(List<LuceneIndexes> indexes, long collection, String word, boolean present) {
        long[] at = new long[indexes.size()];
        long deadline = System.nanoTime() + 60_000_000_000L;
        int pending = indexes.size();
        while (pending > 0) {
            for (int n = 0; n < indexes.size(); n++) {
                if (at[n] == 0) {
                    Optional<List<LexicalHit>> hits = indexes.get(n).search(collection, word, List.of(), null, 5);
                    if (hits.isPresent() && hits.get().isEmpty() != present) {
                        at[n] = System.nanoTime();
                        pending--;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("an index did not catch up within a minute: " + word);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(POLL_NANOS);
        }
        return at;
    }

    private static String row(String event, String instance, long[] nanos) {
        long max = java.util.Arrays.stream(nanos).max().orElse(0);
        return "| " + event + " | " + instance + " | " + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 50))
                + " | " + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 99)) + " | "
                + RetrievalMetrics.round(max / 1e6) + " |\n";
    }
}
