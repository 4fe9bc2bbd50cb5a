package dev.lore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.pgvector.PGvector;

import dev.lore.documents.VectorIndexes;
import dev.lore.models.Embedder;
import dev.lore.retrieval.RetrievalProperties;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lexical (and hybrid) search at scale: bulk-loads N synthetic chunks straight into PostgreSQL (behind Lore's back,
 * as a restore would), lets a Lore instance with the Lucene engine build its index from them, and times four-word
 * searches over HTTP with the Lucene engine and then with the SQL engine on the same rows. Chunks hold 80 words
 * drawn log-uniformly (Zipf-like) from a 50,000-word vocabulary; queries take four words of rank 100 to 1,000.
 * <p>
 * Without {@code --vectors} the chunks carry one constant vector and only lexical search is timed; this is
 * {@code bench/lexical-scale.sh}, writing {@code bench/results/2026-12-07-lexical-scale.md}. With {@code --vectors}
 * ({@code bench/hybrid-scale.sh}) each chunk gets a synthetic 384-dimension vector (see {@link #load}), Lore builds the
 * collection's own HNSW index ({@link VectorIndexes#ensure}: the expression, settings and {@code ANALYZE} its
 * background builds use), and lexical, dense and hybrid searches are timed in turn, each stage as the service reports
 * it in {@code timingsMs}; the query vector comes from the in-process embedder, as for any search. {@code --reuse}
 * keeps the chunks (and index) of a previous run with the same N instead of loading again.
 * <p>
 * {@code --engine=opensearch} times the OpenSearch engine instead of Lucene, on the tests' OpenSearch node inside this
 * JVM; {@code --engine=both} times Lucene, then OpenSearch with a fresh instance that builds its index from
 * {@code chunks}, with the same queries (writing {@code bench/results/2026-12-07-opensearch-scale.md}). Index sizes
 * are the Lucene directory's files and OpenSearch's store; heap is the JVM's after a GC (with OpenSearch, the node's
 * heap is that JVM's too). With {@code --vectors}, the OpenSearch instance answers dense search from the index's
 * k-NN field ({@code lore.retrieval.dense.engine=opensearch}), timed beside pgvector's; each dense engine's top 10
 * for 50 queries is compared with the exact top 10 (recall@10) and with the other engine's.
 */
public final class LexicalScale {

    private static final List<String> STAGES = List.of("embed", "dense", "lexical", "fetch", "total");

    private static final int WARM_UP = 20;

    /** The queries whose dense answers are compared with the exact top 10. */
    private static final int RECALL_QUERIES = 50;

    /** Cluster centres and noise vectors: a chunk's vector is centre (i mod 2,000) plus noise (i mod 10,007). */
    private static final int CENTRES = 2000;

    private static final int NOISES = 10007;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        int chunks = Integer.parseInt(options.getOrDefault("chunks", "100000"));
        int queries = Integer.parseInt(options.getOrDefault("queries", "100"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        Path results = Path.of(options.getOrDefault("results", "bench/results"));
        boolean vectors = Boolean.parseBoolean(options.getOrDefault("vectors", "false"));
        boolean reuse = Boolean.parseBoolean(options.getOrDefault("reuse", "false"));
        // the indexed engines timed, in turn, on the same chunks and queries; the first one's instance loads them
        String engineOption = options.getOrDefault("engine", "lucene");
        List<String> engines = switch (engineOption) {
            case "lucene", "opensearch" -> List.of(engineOption);
            case "both" -> List.of("lucene", "opensearch");
            default -> throw new IllegalArgumentException("--engine=lucene|opensearch|both, not " + engineOption);
        };
        // the whole-index rebuild by a fresh Lucene instance (measured at 1M on 2026-12-07) and the SQL engine's
        // contrast
        boolean rebuild = Boolean.parseBoolean(options.getOrDefault("rebuild", String.valueOf(!vectors)))
                && engines.contains("lucene");
        boolean sql = Boolean.parseBoolean(options.getOrDefault("sql", "true"));
        // Lore's advice (VectorIndexProperties): maintenance_work_mem should hold the graph, about 2 kB a chunk
        String indexMemory = options.getOrDefault("index-memory", "3GB");
        String out = options.getOrDefault("out", vectors ? "2026-12-07-hybrid-scale-" + chunks + ".md"
                : engines.contains("opensearch") ? "2026-12-07-opensearch-scale.md" : "2026-12-07-lexical-scale.md");
        String embedder = "all-minilm-l6-v2-q";
        JsonMapper json = JsonMapper.builder().build();
        String collection = vectors ? "hybrid-scale-" + chunks : "lexical-scale";
        List<String> modes = vectors ? List.of("lexical", "dense", "hybrid") : List.of("lexical");
        // Lore's background builds stay off: the index is built once, by ensure(), after the load (and never over the
        // constant vectors of a lexical-only run)
        String noBackgroundIndex = "--lore.vector-index.threshold=1000000000";
        String buildMemory = "--lore.vector-index.maintenance-work-mem=" + indexMemory;
        StringBuilder report = new StringBuilder("# " + (vectors ? "Hybrid" : "Lexical") + " search at scale"
                + (engines.contains("opensearch") ? ": " + String.join(" and ", engines) : "") + "\n\nRun "
                + Instant.now() + " on " + Runtime.getRuntime().availableProcessors()
                + " cores (shared with other builds; load average " + loadAverage() + " at the start) by `bench/"
                + (vectors ? "hybrid" : "lexical") + "-scale.sh" + (engineOption.equals("lucene") ? ""
                        : " --engine=" + engineOption) + "`: " + chunks + " synthetic chunks of 80 words "
                + "(log-uniform over 50,000 words), four-word OR queries of words ranked 100 to 1,000, topK 10, "
                + queries + " queries after " + WARM_UP + " warm-up ones, over HTTP"
                + (vectors ? ", each query in each mode in turn" : "") + "; engines in turn: "
                + String.join(", ", engines) + (sql ? ", sql" : "") + ".\n\n");
        if (engines.contains("opensearch")) {
            report.append("- OpenSearch: the tests' node (2.19.6, `TestOpenSearch`), started inside this benchmark's "
                    + "JVM (heap ").append(Runtime.getRuntime().maxMemory() / 1048576).append(" MiB, shared with the "
                    + "Lore instances and the client), one shard, no replica, `node.processors` 2\n");
        }
        List<String> texts = queries(queries + WARM_UP, new Random(42));
        StringBuilder table = new StringBuilder();
        String dense = "";
        // dense recall: the exact top 10 of a sample of queries, and each dense engine's answers to them
        List<List<String>> exact = null;
        Map<String, List<List<String>>> answers = new LinkedHashMap<>();
        for (int e = 0; e < engines.size(); e++) {
            String engine = engines.get(e);
            boolean first = e == 0;
            if (engine.equals("opensearch")) {
                System.gc();
                report.append(String.format(Locale.ROOT, "- JVM heap after GC before the OpenSearch node started: "
                        + "%.0f MiB%n", (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory())
                                / 1048576.0));
            }
            // with vectors, OpenSearch answers dense search too: its k-NN graph is what is timed beside pgvector's
            String[] selected = Benchmarks.lexicalEngine(engine, vectors);
            List<String> arguments = new ArrayList<>(List.of(selected));
            // the engines log each index build with its chunks and milliseconds
            arguments.addAll(List.of(noBackgroundIndex, buildMemory, "--lore.retrieval.lexical.poll-interval=200ms",
                    "--logging.level.dev.lore.retrieval.lexical=INFO"));
            long startedAt = System.nanoTime();
            try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl,
                    arguments.toArray(String[]::new))) {
                double startSeconds = (System.nanoTime() - startedAt) / 1e9;
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                JdbcClient jdbc = app.getBean(JdbcClient.class);
                long id;
                boolean loaded = false;
                if (first) {
                    Long existing = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                            .query(Long.class).optional().orElse(null);
                    boolean reused = reuse && existing != null && jdbc.sql(
                            "SELECT count(*) FROM chunks WHERE collection_id = :c").param("c", existing)
                            .query(Long.class).single() == chunks;
                    if (reused) {
                        id = existing;
                        report.append("- chunks reused from an earlier run (`--reuse`): no load timed\n");
                    }
                    else {
                        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
                        client.post("/api/v1/collections", Map.of("name", collection));
                        id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                                .query(Long.class).single();
                        long start = System.nanoTime();
                        load(jdbc, id, chunks, vectors);
                        loaded = true;
                        report.append(String.format(Locale.ROOT, "- bulk load (SQL, a statement per 1,000 chunks, "
                                + "triggers included%s): %.1f s%n", vectors ? ", a synthetic vector each" : "",
                                (System.nanoTime() - start) / 1e9));
                    }
                }
                else {
                    id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                            .query(Long.class).single();
                }
                double indexSeconds = Benchmarks.awaitLexicalIndex(client, collection);
                // the feed applier starts with the instance: an index built from chunks is under way during start-up
                double sinceStart = loaded ? indexSeconds : (System.nanoTime() - startedAt) / 1e9;
                String size = engine.equals("lucene")
                        ? String.format(Locale.ROOT, "index size %.1f MiB",
                                size(Path.of(selected[1].substring(selected[1].indexOf('=') + 1)).resolve("c" + id))
                                        / 1048576.0)
                        : openSearchSize(json);
                System.gc();
                long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                String name = engine.equals("lucene") ? "Lucene" : "OpenSearch";
                report.append(String.format(Locale.ROOT, "- %s index %s %.1f s after %s%n- %s; %s %.0f MiB%n",
                        name, loaded ? "caught up" : "built from `chunks` and ready", sinceStart, loaded
                                ? "the load's last statement (it applied the feed while the load ran)"
                                : String.format(Locale.ROOT, "the instance began to start (its Spring start-up, "
                                        + "during which the build began, took %.1f s of that)", startSeconds),
                        size, engine.equals("lucene") ? "instance heap after GC"
                                : "JVM heap after GC (the OpenSearch node and the instance)", heap / 1048576.0));
                List<String> timed = modes;
                if (first && vectors) {
                    VectorIndexes hnsw = app.getBean(VectorIndexes.class);
                    boolean present = hnsw.ready(id);
                    long start = System.nanoTime();
                    hnsw.ensure(id);
                    String index = VectorIndexes.indexName(id);
                    long bytes = jdbc.sql("SELECT pg_relation_size(:n::regclass)").param("n", index)
                            .query(Long.class).single();
                    report.append(present ? String.format(Locale.ROOT, "- HNSW index `%s` built by an earlier run "
                            + "(%.0f MiB)%n", index, bytes / 1048576.0) : String.format(Locale.ROOT, "- HNSW index "
                            + "`%s` (Lore's: m 16, ef_construction 64, maintenance_work_mem %s, one build worker) "
                            + "built by `VectorIndexes.ensure` in %.1f s; %.0f MiB%n", index, indexMemory,
                            (System.nanoTime() - start) / 1e9, bytes / 1048576.0));
                    dense = densePlan(app, jdbc, id, index, texts.get(0));
                }
                else if (!first && !(vectors && engine.equals("opensearch"))) {
                    // dense search does not depend on the lexical engine (but for OpenSearch's own with vectors):
                    // timed once, with the first
                    timed = modes.stream().filter(m -> !m.equals("dense")).toList();
                }
                long scansBefore = first && vectors ? indexScans(jdbc, id) : 0;
                long[] searchesBefore = engine.equals("opensearch") ? openSearchSearches(json) : null;
                table.append(rows(engine, client, collection, timed, texts));
                if (searchesBefore != null) {
                    long[] searches = openSearchSearches(json);
                    long count = searches[0] - searchesBefore[0];
                    report.append(String.format(Locale.ROOT, "- inside the OpenSearch node: %d searches, mean %.1f "
                            + "ms in the query phase and %.1f ms in the fetch phase (`_stats/search`; warm-up "
                            + "queries included)%n", count, (searches[1] - searchesBefore[1]) / (double) count,
                            (searches[2] - searchesBefore[2]) / (double) count));
                }
                write(results, out, report, table, dense, vectors);
                report.append("- load average after the ").append(name).append(" runs: ").append(loadAverage())
                        .append('\n');
                if (first && vectors) {
                    long scans = indexScans(jdbc, id) - scansBefore;
                    report.append("- the HNSW index served ").append(scans).append(" scans while ")
                            .append(2 * texts.size()).append(" dense and hybrid searches ran (PostgreSQL's "
                                    + "`pg_stat_user_indexes.idx_scan`; none means a sequential scan)\n");
                }
                // after the scan count, which counts the timed searches only
                if (vectors && (first || engine.equals("opensearch"))) {
                    List<String> sample = texts.subList(0, Math.min(RECALL_QUERIES, texts.size()));
                    if (exact == null) {
                        long start = System.nanoTime();
                        exact = exactTop(app, jdbc, id, sample);
                        report.append(String.format(Locale.ROOT, "- exact top 10 of %d query embeddings (a "
                                + "sequential scan over the collection's vectors, cosine distance): %.1f s%n",
                                sample.size(), (System.nanoTime() - start) / 1e9));
                    }
                    report.append(recall(engine, client, collection, sample, exact, answers));
                }
            }
        }
        if (rebuild) {
            // a second instance with an empty directory: the whole index rebuilt from chunks, as after a restore
            String[] fresh = Benchmarks.lexicalEngine("lucene");
            try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl, fresh[0], fresh[1],
                    noBackgroundIndex, "--lore.retrieval.lexical.poll-interval=200ms")) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                report.append(String.format(Locale.ROOT, "- Lucene index rebuilt from `chunks` by an instance with "
                        + "an empty index directory: ready %.1f s after it started%n", Benchmarks.awaitLexicalIndex(
                                client, collection)));
            }
        }
        if (sql) {
            try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl,
                    "--lore.retrieval.lexical.engine=sql", noBackgroundIndex)) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                // dense search does not depend on the lexical engine: timed once, with the first indexed engine
                table.append(rows("sql", client, collection, modes.stream().filter(m -> !m.equals("dense")).toList(),
                        texts));
                report.append("- load average after the SQL runs: ").append(loadAverage()).append('\n');
            }
        }
        write(results, out, report, table, dense, vectors);
        System.exit(0);
    }

    /**
     * The benchmark's OpenSearch indexes on disk: each one's store size as {@code _cat/indices} reports it (the
     * state index included), and the node's whole data directory (translog and cluster state too) before and after a
     * {@code _flush}, which empties the translog as OpenSearch does on its own once it grows (512 MB by default).
     */
    private static String openSearchSize(JsonMapper json) {
        Path data = null;
        for (JsonNode node : openSearch(json, "GET", "/_nodes/stats/fs").path("nodes")) {
            data = Path.of(node.path("fs").path("data").path(0).path("path").asString());
        }
        long before;
        long after;
        try {
            before = size(data);
            openSearch(json, "POST", "/" + Benchmarks.OPENSEARCH_PREFIX + "-*/_flush");
            after = size(data);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder indexes = new StringBuilder();
        for (JsonNode row : openSearch(json, "GET", "/_cat/indices/" + Benchmarks.OPENSEARCH_PREFIX
                + "-*?format=json&bytes=b&h=index,docs.count,store.size,pri.store.size")) {
            indexes.append(indexes.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "`%s` %s docs %.1f MiB",
                    row.path("index").asString(), row.path("docs.count").asString(),
                    Long.parseLong(row.path("store.size").asString()) / 1048576.0));
        }
        long segments = 0;
        for (JsonNode node : openSearch(json, "GET", "/_nodes/stats/indices/segments").path("nodes")) {
            segments += node.path("indices").path("segments").path("count").asLong();
        }
        return String.format(Locale.ROOT, "store size (`_cat/indices`, after the flush): %s; %d segments; the node's "
                + "data directory %.1f MiB before a `_flush` (the translog holds the bulk writes' full text), %.1f "
                + "MiB after", indexes, segments, before / 1048576.0, after / 1048576.0);
    }

    /**
     * The searches the collections' OpenSearch indexes have served, and the node's own milliseconds in their query
     * and fetch phases ({@code _stats/search}, primaries): the part of a search's time spent inside OpenSearch.
     */
    private static long[] openSearchSearches(JsonMapper json) {
        JsonNode search = openSearch(json, "GET", "/" + Benchmarks.OPENSEARCH_PREFIX + "-c*/_stats/search")
                .path("_all").path("primaries").path("search");
        return new long[] { search.path("query_total").asLong(), search.path("query_time_in_millis").asLong(),
                search.path("fetch_time_in_millis").asLong() };
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A request to the benchmark's OpenSearch node, without a body; its answer. */
    private static JsonNode openSearch(JsonMapper json, String method, String endpoint) {
        try {
            HttpRequest request = HttpRequest.newBuilder(Benchmarks.openSearchUrl().resolve(endpoint))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + endpoint + ": HTTP " + response.statusCode() + " "
                        + response.body());
            }
            return json.readTree(response.body());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The report so far (each phase writes it, so that a run stopped later keeps what it measured). */
    private static void write(Path results, String out, StringBuilder head, StringBuilder table, String dense,
            boolean vectors) throws IOException {
        StringBuilder report = new StringBuilder(head);
        report.append("\nMilliseconds, p50 / p95. \"request\" is the whole HTTP request as the client timed it; the "
                + "others are `timingsMs` as the service reported them (whole milliseconds): `embed` the query's "
                + "embedding by the in-process model, `dense` and `lexical` the two candidate lists (50 each), "
                + "`fetch` the hits' rows, `total` the service's own whole.\n\n"
                + "| engine | mode | request | embed | dense | lexical | fetch | total |\n"
                + "|---|---|---|---|---|---|---|---|\n").append(table);
        if (!vectors) {
            report.append("\nHybrid was not measured here: the synthetic chunks carry no meaningful vectors "
                    + "(`bench/hybrid-scale.sh` gives them some).\n");
        }
        report.append(dense);
        Files.createDirectories(results);
        Files.writeString(results.resolve(out), report.toString());
        System.out.println(report);
    }

    /** Each query in each mode in turn (so that the machine's other load falls on all modes alike); a row per mode. */
    private static String rows(String engine, BenchClient client, String collection, List<String> modes,
            List<String> texts) {
        int timed = texts.size() - WARM_UP;
        Map<String, Map<String, long[]>> nanos = new LinkedHashMap<>();
        for (String mode : modes) {
            Map<String, long[]> stages = new LinkedHashMap<>();
            stages.put("request", new long[timed]);
            STAGES.forEach(stage -> stages.put(stage, new long[timed]));
            nanos.put(mode, stages);
        }
        // each mode its own queries (from the same distribution): the same query in two modes in a row would find
        // the second's graph pages in PostgreSQL's buffers, put there by the first
        Map<String, List<String>> own = new LinkedHashMap<>();
        for (int m = 0; m < modes.size(); m++) {
            own.put(modes.get(m), m == 0 ? texts : queries(texts.size(), new Random(43 + m)));
        }
        for (int i = 0; i < texts.size(); i++) {
            for (String mode : modes) {
                long t = System.nanoTime();
                JsonNode response = client.post("/api/v1/search", Map.of("collection", collection, "query",
                        own.get(mode).get(i), "mode", mode, "topK", 10));
                long elapsed = System.nanoTime() - t;
                if (i >= WARM_UP) {
                    Map<String, long[]> stages = nanos.get(mode);
                    stages.get("request")[i - WARM_UP] = elapsed;
                    for (String stage : STAGES) {
                        // the service's whole milliseconds, in nanoseconds like the rest
                        stages.get(stage)[i - WARM_UP] = response.path("timingsMs").path(stage).asLong() * 1_000_000;
                    }
                }
            }
        }
        StringBuilder rows = new StringBuilder();
        nanos.forEach((mode, stages) -> {
            rows.append("| ").append(engine).append(" | ").append(mode).append(" |");
            stages.forEach((stage, values) -> {
                boolean ran = !(stage.equals("embed") || stage.equals("dense")) || !mode.equals("lexical");
                ran &= !stage.equals("lexical") || !mode.equals("dense");
                rows.append(ran ? " " + fmt(RetrievalMetrics.percentile(values, 50)) + " / "
                        + fmt(RetrievalMetrics.percentile(values, 95)) + " |" : " – |");
            });
            rows.append('\n');
        });
        return rows.toString();
    }

    private static String fmt(double millis) {
        return millis == Math.rint(millis) ? String.valueOf((long) millis)
                : String.format(Locale.ROOT, "%.1f", millis);
    }

    /**
     * The plan of Lore's dense statement (SearchQueries.dense, {@code full} mode) for one real query embedding, on
     * one of the instance's own connections (its {@code hnsw.ef_search} and iterative scan settings), with the time
     * PostgreSQL itself took.
     */
    private static String densePlan(ConfigurableApplicationContext app, JdbcClient jdbc, long id, String index,
            String query) {
        float[] vector = app.getBean(Embedder.class).embedQuery(query);
        int limit = app.getBean(RetrievalProperties.class).candidates();
        List<String> plan = jdbc.sql("""
                EXPLAIN (ANALYZE, BUFFERS) SELECT id, embedding::vector(%d) <=> :query AS distance FROM chunks
                WHERE collection_id = %d ORDER BY distance LIMIT :limit""".formatted(vector.length, id))
                .param("query", new PGvector(vector)).param("limit", limit).query(String.class).list();
        boolean indexed = plan.stream().anyMatch(line -> line.contains("Index Scan using " + index));
        return "\nThe dense statement's plan (Lore's text, the first query's embedding, " + limit + " candidates; "
                + (indexed ? "it walks the HNSW index" : "**it does not use the HNSW index**") + "):\n\n```\n"
                + String.join("\n", plan).replaceAll("'\\[[^\\]]*\\]'", "'[the query's " + vector.length + " numbers]'")
                + "\n```\n";
    }

    /**
     * The exact 10 nearest chunks to each query's embedding (the in-process embedder's, as the service's): cosine
     * distance over every vector of the collection; the {@code + 0} keeps the planner off the HNSW index, whose
     * expression the ORDER BY would otherwise match.
     */
    private static List<List<String>> exactTop(ConfigurableApplicationContext app, JdbcClient jdbc, long id,
            List<String> texts) {
        Embedder embedder = app.getBean(Embedder.class);
        List<List<String>> exact = new ArrayList<>();
        for (String text : texts) {
            float[] vector = embedder.embedQuery(text);
            exact.add(jdbc.sql("""
                    SELECT id::text FROM chunks WHERE collection_id = %d
                    ORDER BY (embedding::vector(%d) <=> :query) + 0, id LIMIT 10""".formatted(id, vector.length))
                    .param("query", new PGvector(vector)).query(String.class).list());
        }
        return exact;
    }

    /**
     * The engine's dense answers (top 10 over HTTP, with the explain trace) to the sample: their recall@10 against the
     * exact top 10, which engine the traces say answered, and, once a second engine has answered, how many of its ids
     * the first one's answers share. Keeps the answers in {@code answers}.
     */
    private static String recall(String engine, BenchClient client, String collection, List<String> texts,
            List<List<String>> exact, Map<String, List<List<String>>> answers) {
        List<List<String>> own = new ArrayList<>();
        Map<String, Integer> answeredBy = new java.util.TreeMap<>();
        for (String text : texts) {
            JsonNode response = client.post("/api/v1/search", Map.of("collection", collection, "query", text, "mode",
                    "dense", "topK", 10, "explain", true));
            List<String> ids = new ArrayList<>();
            response.path("results").forEach(hit -> ids.add(hit.path("chunkId").asString()));
            own.add(ids);
            answeredBy.merge(response.path("trace").path("denseSearch").path("engine").asString("none"), 1,
                    Integer::sum);
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "- dense recall@10 with the %s instance "
                + "against the exact top 10, %d queries: %.3f (the explain traces' `denseSearch.engine`: %s)%n",
                engine, texts.size(), overlap(own, exact), answeredBy));
        answers.forEach((other, theirs) -> line.append(String.format(Locale.ROOT, "- the %s instance's dense top 10 "
                + "against the %s instance's, same queries: %.3f of the ids shared%n", engine, other,
                overlap(own, theirs))));
        answers.put(engine, own);
        return line.toString();
    }

    /** The mean share of each reference list's ids that the answer holds too. */
    private static double overlap(List<List<String>> answer, List<List<String>> reference) {
        double sum = 0;
        for (int i = 0; i < reference.size(); i++) {
            List<String> expected = reference.get(i);
            sum += expected.isEmpty() ? 1 : answer.get(i).stream().filter(expected::contains).count()
                    / (double) expected.size();
        }
        return sum / reference.size();
    }

    /** How many scans the collection's HNSW index has served, once the instance's backends have reported them. */
    private static long indexScans(JdbcClient jdbc, long id) {
        // backends send their counters at most every second, and idle ones within ten
        Benchmarks.sleep(java.time.Duration.ofSeconds(11));
        return jdbc.sql("SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE indexrelname = :n")
                .param("n", VectorIndexes.indexName(id)).query(Long.class).single();
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " / " + fields[1] + " / " + fields[2] + " (1 / 5 / 15 min)";
        }
        catch (java.io.IOException e) {
            return "unknown";
        }
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
     * <p>
     * With {@code vectors}, chunk i's vector is the normalised sum of cluster centre i mod 2,000 (standard Gaussian)
     * and noise vector i mod 10,007 (Gaussian, 0.6 per dimension): the clustered Gaussian vectors of
     * {@code bench/dense-two-stage.sh}, except that 10,007 noise vectors are shared out among the clusters (2,000
     * and 10,007 are coprime, so no two of the first 20 million chunks get the same pair). Drawing 384 fresh
     * Gaussians per chunk in SQL cost half a millisecond a chunk (over 8 minutes at a million); two lookups and a
     * vector sum cost 40 microseconds. Otherwise every chunk holds the same constant vector.
     */
    private static void load(JdbcClient jdbc, long collection, int chunks, boolean vectors) {
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
        String embedding = "array_fill(0.1, ARRAY[384])::vector";
        // scratch tables of this collection's own, so that runs of other sizes may load beside it
        String centres = "lexical_scale_centres_" + collection;
        String noise = "lexical_scale_noise_" + collection;
        if (vectors) {
            for (String[] table : new String[][] { { centres, "1.0", String.valueOf(CENTRES) },
                    { noise, "0.6", String.valueOf(NOISES) } }) {
                jdbc.sql("DROP TABLE IF EXISTS " + table[0]).update();
                // Box-Muller: a standard Gaussian from two uniform draws
                jdbc.sql("""
                        CREATE TABLE %s AS SELECT k AS id, (SELECT array_agg(%s * sqrt(-2 * ln(1 - random()))
                                                                     * cos(2 * pi() * random()))
                                                              FROM generate_series(1, 384) WHERE k IS NOT NULL)::vector AS v
                        FROM generate_series(0, %s - 1) k""".formatted(table[0], table[1], table[2])).update();
                jdbc.sql("ALTER TABLE " + table[0] + " ADD PRIMARY KEY (id)").update();
            }
            embedding = """
                    (SELECT l2_normalize(c.v + z.v) FROM %s c, %s z
                     WHERE c.id = (:first + g) %% %d AND z.id = (:first + g) %% %d)""".formatted(centres, noise,
                    CENTRES, NOISES);
        }
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
                           %s
                    FROM d, generate_series(1, :size) g""".formatted(embedding))
                    .param("c", collection).param("source", "synthetic-" + first + ".txt").param("size", size)
                    .param("first", first).update();
        }
        if (vectors) {
            jdbc.sql("DROP TABLE " + centres + ", " + noise).update();
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
