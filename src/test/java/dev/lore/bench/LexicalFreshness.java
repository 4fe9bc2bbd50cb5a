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
import dev.lore.retrieval.lexical.OpenSearchIndexes;
import tools.jackson.databind.json.JsonMapper;

/**
 * The consistency promise of the indexed lexical engines, measured with two Lore instances on one database: documents
 * are uploaded one at a time to the first, and for each the time from its ingestion reading DONE to its word being
 * found on each instance <em>from that instance's index</em> ({@link LuceneIndexes#search} and
 * {@link OpenSearchIndexes#search} answer only from the index, never from the SQL fallback); then the same from a
 * delete's 204 to the index answering without it. With Lucene each instance has its own index directory; with
 * OpenSearch both read one shared index (the tests' node in this JVM), which one of them at a time brings up to date.
 * The default poll interval (500 ms) on both. Through the API the document is searchable (SQL) the moment it reads
 * DONE; the run checks that too. The two instances share this JVM (one Spring context each). Run by
 * {@code bench/lexical-freshness.sh}: {@code --engine=lucene} (the default) writes
 * {@code bench/results/2026-12-07-lexical-freshness.md}, {@code --engine=opensearch|both}
 * {@code bench/results/2026-12-07-opensearch-freshness.md}. {@code --collection=NAME} uploads into an existing
 * collection (the 1,000,000 chunks of {@code bench/lexical-scale.sh}, say) instead of a fresh, nearly empty one;
 * its indexes are built first.
 */
public final class LexicalFreshness {

    private static final long POLL_NANOS = 2_000_000;

    /** One instance's index, asked for a word: nothing where it cannot answer (not built, or behind). */
    private interface Index {
        Optional<List<LexicalHit>> search(long collection, String word);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        int documents = Integer.parseInt(options.getOrDefault("documents", "100"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_freshness");
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String engineOption = options.getOrDefault("engine", "lucene");
        List<String> engines = switch (engineOption) {
            case "lucene", "opensearch" -> List.of(engineOption);
            case "both" -> List.of("lucene", "opensearch");
            default -> throw new IllegalArgumentException("--engine=lucene|opensearch|both, not " + engineOption);
        };
        String collection = options.getOrDefault("collection", "lexical-freshness");
        // a collection named by --collection is kept (and must exist); the default one is made afresh
        boolean existing = options.containsKey("collection");
        String out = options.getOrDefault("out", engineOption.equals("lucene") ? "2026-12-07-lexical-freshness.md"
                : "2026-12-07-opensearch-freshness.md");
        String embedder = "all-minilm-l6-v2-q";
        JsonMapper json = JsonMapper.builder().build();
        StringBuilder report = new StringBuilder("# Lexical freshness with two instances\n\nRun " + Instant.now()
                + " on " + Runtime.getRuntime().availableProcessors() + " cores (shared with other builds) by "
                + "`bench/lexical-freshness.sh" + (engineOption.equals("lucene") ? "" : " --engine=" + engineOption)
                + (existing ? " --collection=" + collection : "") + "`: two Lore instances on one database "
                + "(one JVM, a Spring context each) with the default `poll-interval` (500 ms); with Lucene each has "
                + "its own index directory, with OpenSearch both read one index on the tests' node (2.19.6, in the "
                + "same JVM), which one instance at a time brings up to date. " + documents + " documents uploaded "
                + "one at a time to instance 1 (either instance's worker may ingest it) into " + (existing
                        ? "the existing collection `" + collection + "`" : "a fresh collection") + "; for each, the "
                + "time from its ingestion reading DONE (polled every 10 ms) to its word being found by each "
                + "instance's index (not the SQL fallback), and from its delete's 204 to each index answering "
                + "without it.\n\n| engine | event | instance | p50 ms | p99 ms | max ms |\n"
                + "|---|---|---|---|---|---|\n");
        StringBuilder notes = new StringBuilder();
        for (String engine : engines) {
            try (ConfigurableApplicationContext one = Benchmarks.start(embedder, dbUrl, arguments(engine));
                    ConfigurableApplicationContext two = Benchmarks.start(embedder, dbUrl, arguments(engine))) {
                BenchClient writer = client(one, json);
                BenchClient reader = client(two, json);
                List<Index> indexes = engine.equals("lucene")
                        ? List.of(index(one.getBean(LuceneIndexes.class)), index(two.getBean(LuceneIndexes.class)))
                        : List.of(index(one.getBean(OpenSearchIndexes.class)),
                                index(two.getBean(OpenSearchIndexes.class)));
                JdbcClient jdbc = one.getBean(JdbcClient.class);
                if (!existing) {
                    jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
                    writer.post("/api/v1/collections", Map.of("name", collection));
                }
                long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                        .query(Long.class).single();
                long chunks = jdbc.sql("SELECT count(*) FROM chunks WHERE collection_id = :c").param("c", id)
                        .query(Long.class).single();
                // a first document, so that both indexes exist before the clock runs (and the embedder is warm)
                String warmUp = "warm-up-" + engine + ".md";
                await(writer, writer.uploadMarkdown("/api/v1/collections/" + collection + "/documents",
                        Map.of(warmUp, "# Warm-up\n\nThe first document of the run.\n")).path("ingestionId")
                        .asString());
                // each wait is timed from its own start, and the reader's starts when the writer's ends: their sum
                double built = Benchmarks.awaitLexicalIndex(writer, collection)
                        + Benchmarks.awaitLexicalIndex(reader, collection);
                notes.append(String.format(Locale.ROOT, "- %s: %d chunks in the collection; both indexes ready "
                        + "%.1f s after the warm-up document's ingestion read DONE%n", engine, chunks, built));

                long[][] found = new long[2][documents];
                long[][] gone = new long[2][documents];
                int foundThroughApi = 0;
                for (int i = 0; i < documents; i++) {
                    String word = LexicalScale.word(200_000 + i);
                    String source = "fresh-" + engine + "-" + i + ".md";
                    String ingestion = writer.uploadMarkdown("/api/v1/collections/" + collection + "/documents",
                            Map.of(source, "# Note " + i + "\n\nThe " + word + " is filed here.\n"))
                            .path("ingestionId").asString();
                    await(writer, ingestion);
                    long done = System.nanoTime();
                    if (reader.post("/api/v1/search", Map.of("collection", collection, "query", word, "mode",
                            "lexical")).path("results").size() == 1) {
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
                UUID warm = jdbc.sql("SELECT id FROM documents WHERE collection_id = :c AND source = :s")
                        .param("c", id).param("s", warmUp).query(UUID.class).single();
                writer.delete("/api/v1/collections/" + collection + "/documents/" + warm);
                report.append(row(engine, "found after DONE", "1 (uploaded to)", found[0]))
                        .append(row(engine, "found after DONE", "2", found[1]))
                        .append(row(engine, "gone after delete", "1 (deleted on)", gone[0]))
                        .append(row(engine, "gone after delete", "2", gone[1]));
                notes.append(String.format(Locale.ROOT, "- %s: through the API, instance 2 found %d of %d documents "
                        + "the moment their ingestion read DONE (SQL answers while an index has not applied the "
                        + "change)%n", engine, foundThroughApi, documents));
                Files.createDirectories(results);
                Files.writeString(results.resolve(out), report + "\n" + notes);
            }
        }
        report.append('\n').append(notes).append("\nTarget: p99 at most 2,000 ms on every instance.\n");
        Files.createDirectories(results);
        Files.writeString(results.resolve(out), report);
        System.out.println(report);
        System.exit(0);
    }

    /**
     * An instance's arguments: the engine's (a Lucene directory of its own), its index builds logged, and no HNSW
     * build in the background (a collection of a million synthetic chunks with one constant vector, as
     * {@code bench/lexical-scale.sh} loads, would otherwise get one, competing with the lexical indexes' builds).
     */
    private static String[] arguments(String engine) {
        List<String> arguments = new java.util.ArrayList<>(List.of(Benchmarks.lexicalEngine(engine)));
        arguments.addAll(List.of("--lore.vector-index.threshold=1000000000",
                "--logging.level.dev.lore.retrieval.lexical=INFO"));
        return arguments.toArray(String[]::new);
    }

    private static Index index(LuceneIndexes indexes) {
        return (collection, word) -> indexes.search(collection, word, List.of(), null, 5);
    }

    private static Index index(OpenSearchIndexes indexes) {
        return (collection, word) -> indexes.search(collection, word, List.of(), null, 5);
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
    private static long[] until(List<Index> indexes, long collection, String word, boolean present) {
        long[] at = new long[indexes.size()];
        long deadline = System.nanoTime() + 60_000_000_000L;
        int pending = indexes.size();
        while (pending > 0) {
            for (int n = 0; n < indexes.size(); n++) {
                if (at[n] == 0) {
                    Optional<List<LexicalHit>> hits = indexes.get(n).search(collection, word);
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

    private static String row(String engine, String event, String instance, long[] nanos) {
        long max = java.util.Arrays.stream(nanos).max().orElse(0);
        return "| " + engine + " | " + event + " | " + instance + " | "
                + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 50)) + " | "
                + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 99)) + " | " + RetrievalMetrics.round(max / 1e6)
                + " |\n";
    }
}
