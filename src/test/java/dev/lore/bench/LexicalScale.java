package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lexical search at scale: bulk-loads N synthetic chunks straight into PostgreSQL (behind Lore's back, as a restore
 * would), lets a Lore instance with the Lucene engine build its index from them, and times four-word lexical
 * searches over HTTP with the Lucene engine and then with the SQL engine on the same rows. Chunks hold 80 words
 * drawn log-uniformly (Zipf-like) from a 50,000-word vocabulary; queries take four words of rank 100 to 1,000.
 * Run by {@code bench/lexical-scale.sh}; writes {@code bench/results/2026-12-07-lexical-scale.md}.
 */
public final class LexicalScale {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        int chunks = Integer.parseInt(options.getOrDefault("chunks", "100000"));
        int queries = Integer.parseInt(options.getOrDefault("queries", "100"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        String embedder = "all-minilm-l6-v2-q";
        JsonMapper json = JsonMapper.builder().build();
        String collection = "lexical-scale";
        String[] lucene = Benchmarks.lexicalEngine("lucene");
        Path indexDir = Path.of(lucene[1].substring(lucene[1].indexOf('=') + 1));
        // no HNSW build over the synthetic (identical) vectors while timing
        String noVectorIndex = "--lore.vector-index.threshold=1000000000";
        StringBuilder report = new StringBuilder("# Lexical search at scale\n\nRun " + Instant.now() + " on "
                + Runtime.getRuntime().availableProcessors() + " cores (shared with other builds) by "
                + "`bench/lexical-scale.sh`: " + chunks + " synthetic chunks of 80 words (log-uniform over 50,000 "
                + "words), four-word OR queries of words ranked 100 to 1,000, topK 10, " + queries
                + " queries after 20 warm-up ones, over HTTP.\n\n");
        List<String> texts = queries(queries + 20, new Random(42));
        StringBuilder table = new StringBuilder();
        try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl, lucene[0], lucene[1],
                noVectorIndex, "--lore.retrieval.lexical.poll-interval=200ms")) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            JdbcClient jdbc = app.getBean(JdbcClient.class);
            jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
            client.post("/api/v1/collections", Map.of("name", collection));
            long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                    .query(Long.class).single();
            long start = System.nanoTime();
            load(jdbc, id, chunks);
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            double indexSeconds = Benchmarks.awaitLexicalIndex(client, collection);
            long indexBytes = size(indexDir.resolve("c" + id));
            System.gc();
            long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            report.append(String.format(Locale.ROOT, "- bulk load (SQL, a statement per 1,000 chunks, triggers included): "
                    + "%.1f s%n- Lucene index caught up %.1f s after the load's last statement (it applied the feed "
                    + "while the load ran)%n- index size %.1f MiB; instance heap after GC %.0f MiB%n",
                    loadSeconds, indexSeconds, indexBytes / 1048576.0, heap / 1048576.0));
            table.append(row("lucene", client, collection, texts));
        }
        // a second instance with an empty directory: the whole index rebuilt from chunks, as after a restore
        String[] fresh = Benchmarks.lexicalEngine("lucene");
        try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl, fresh[0], fresh[1],
                noVectorIndex, "--lore.retrieval.lexical.poll-interval=200ms")) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            report.append(String.format(Locale.ROOT, "- rebuilt from `chunks` by an instance with an empty index "
                    + "directory: ready %.1f s after it started%n%n", Benchmarks.awaitLexicalIndex(client, collection)));
        }
        try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl, "--lore.retrieval.lexical.engine=sql",
                noVectorIndex)) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            table.append(row("sql", client, collection, texts));
        }
        report.append("| engine | search p50 ms | search p95 ms | lexical stage p50 ms | lexical stage p95 ms |\n"
                + "|---|---|---|---|---|\n").append(table);
        report.append("\nHybrid was not measured here: the synthetic chunks carry no meaningful vectors.\n");
        Files.createDirectories(results);
        Files.writeString(results.resolve("2026-12-07-lexical-scale.md"), report.toString());
        System.out.println(report);
        System.exit(0);
    }

    private static String row(String engine, BenchClient client, String collection, List<String> texts) {
        long[] nanos = new long[texts.size() - 20];
        long[] stage = new long[texts.size() - 20];
        for (int i = 0; i < texts.size(); i++) {
            long t = System.nanoTime();
            var response = client.post("/api/v1/search", Map.of("collection", collection, "query", texts.get(i),
                    "mode", "lexical", "topK", 10));
            if (i >= 20) {
                nanos[i - 20] = System.nanoTime() - t;
                // the lexical stage as the service timed it (whole milliseconds), in nanoseconds like the rest
                stage[i - 20] = response.path("timingsMs").path("lexical").asLong() * 1_000_000;
            }
        }
        return "| " + engine + " | " + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 50)) + " | "
                + RetrievalMetrics.round(RetrievalMetrics.percentile(nanos, 95)) + " | "
                + RetrievalMetrics.round(RetrievalMetrics.percentile(stage, 50)) + " | "
                + RetrievalMetrics.round(RetrievalMetrics.percentile(stage, 95)) + " |\n";
    }

    /** Four words of rank 100 to 1,000 each. */
    private static List<String> queries(int count, Random random) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                words.add(word(100 + random.nextInt(900)));
            }
            texts.add(String.join(" ", words));
        }
        return texts;
    }

    /** A pronounceable word per rank, so that the English analyzers keep it whole. */
    static String word(int rank) {
        String consonants = "bdfgklmnprstvz";
        String vowels = "aeiou";
        StringBuilder word = new StringBuilder();
        int n = rank;
        do {
            word.append(consonants.charAt(n % consonants.length()));
            n /= consonants.length();
            word.append(vowels.charAt(n % vowels.length()));
            n /= vowels.length();
        } while (n > 0);
        return word.append("x").toString();
    }

    /**
     * N chunks in documents of 1,000, written in one statement per document, straight into the tables. The word
     * function is {@link #word} in SQL; the subquery names the row ({@code g}) so that it runs per chunk.
     */
    private static void load(JdbcClient jdbc, long collection, int chunks) {
        jdbc.sql("""
                CREATE OR REPLACE FUNCTION lexical_scale_word(rank int) RETURNS text LANGUAGE plpgsql AS $$
                DECLARE c text := 'bdfgklmnprstvz'; v text := 'aeiou'; w text := ''; n int := rank;
                BEGIN
                  LOOP
                    w := w || substr(c, n % 14 + 1, 1); n := n / 14;
                    w := w || substr(v, n % 5 + 1, 1); n := n / 5;
                    EXIT WHEN n = 0;
                  END LOOP;
                  RETURN w || 'x';
                END $$""").update();
        for (int first = 0; first < chunks; first += 1000) {
            int size = Math.min(1000, chunks - first);
            jdbc.sql("""
                    WITH d AS (INSERT INTO documents (id, collection_id, source, title, sha256, media_type, chunks,
                                                      created_at)
                               VALUES (gen_random_uuid(), :c, :source, :source, md5(:source || :c), 'text/plain',
                                       :size, now()) RETURNING id)
                    INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text,
                                        embedding)
                    SELECT gen_random_uuid(), d.id, :c, g, :source, :source, '',
                           (SELECT string_agg(lexical_scale_word(floor(exp(random() * ln(50000)))::int - 1
                                              + w * 0), ' ')
                            FROM generate_series(1, 80) w WHERE g IS NOT NULL),
                           array_fill(0.1, ARRAY[384])::vector
                    FROM d, generate_series(1, :size) g""")
                    .param("c", collection).param("source", "synthetic-" + first + ".txt").param("size", size)
                    .update();
        }
    }

    private static long size(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
