package dev.lore.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import java.util.concurrent.TimeUnit;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.LoreApplication;
import dev.lore.documents.VectorIndexProperties;
import dev.lore.documents.VectorIndexes;
import dev.lore.documents.internal.Chunker;
import dev.lore.models.Embedder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import dev.lore.support.TestOpenSearch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lore's benchmarks, run by {@code bench/run.sh}: SciFact ingestion throughput next to the raw embedder on the same
 * texts, SciFact nDCG@10 / Recall@100 / MRR@10 per search mode and embedder, and /search latency at 10k and 100k
 * chunks next to the same SQL over plain JDBC. Results go to {@code bench/results/}.
 */
public final class Benchmarks {

    private final Path scifact;
    private final Path results;
    private final String dbUrl;
    private final JsonMapper json = JsonMapper.builder().build();
    private final StringBuilder header = new StringBuilder();
    private final Map<String, Object> data = new LinkedHashMap<>();
    private boolean measureRaw = true;
    private int warmUpDocuments = Integer.MAX_VALUE;
    private int warmedUpWith;
    /** {@code sql} or {@code lucene}: the lexical engine of the measured service; with {@code lucene}, SQL's lexical
     * and hybrid figures are measured too, on the same collection, by a second instance running the SQL engine. */
    private String lexical = "sql";

    private Benchmarks(Path scifact, Path results, String dbUrl) {
        this.scifact = scifact;
        this.results = results;
        this.dbUrl = dbUrl;
    }

    /** {@code --key=value} (or a bare {@code --flag}, meaning true) arguments as a map. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            options.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        return options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Benchmarks bench = new Benchmarks(Path.of(options.getOrDefault("scifact", "../shared/eval/scifact")),
                Path.of(options.getOrDefault("results", "bench/results")),
                options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench"));
        bench.measureRaw = Boolean.parseBoolean(options.getOrDefault("raw", "true"));
        bench.lexical = options.getOrDefault("lexical", "sql");
        bench.warmUpDocuments = Integer.parseInt(options.getOrDefault("warmup", String.valueOf(Integer.MAX_VALUE)));
        List<String> embedders = List.of(options.getOrDefault("embedders", "all-minilm-l6-v2-q,all-minilm-l6-v2")
                .split(","));
        bench.run(embedders, Boolean.parseBoolean(options.getOrDefault("latency", "true")),
                Boolean.parseBoolean(options.getOrDefault("evaluate", "true")));
        System.exit(0);
    }

    private void run(List<String> embedders, boolean latency, boolean evaluate) throws Exception {
        Files.createDirectories(results);
        BeirDataset dataset = BeirDataset.load(scifact, "test", json);
        header.append("# Lore benchmarks\n\nRun ").append(Instant.now()).append(" on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append(".\n\n");
        List<Map<String, Object>> quality = new ArrayList<>();
        List<Map<String, Object>> ingestion = new ArrayList<>();
        for (int i = 0; i < embedders.size(); i++) {
            String embedder = embedders.get(i);
            try (ConfigurableApplicationContext app = start(embedder, dbUrl, lexicalEngine(lexical))) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
                String collection = "scifact-" + embedder.replaceAll("[^a-z0-9]", "");
                ingestion.add(ingest(app, client, collection, dataset, embedder));
                if (evaluate) {
                    List<String> modes = i == 0 ? List.of("lexical", "dense", "hybrid") : List.of("dense", "hybrid");
                    if (!lexical.equals("sql")) {
                        data.put("lexicalIndexSeconds", awaitLexicalIndex(client, collection));
                    }
                    quality.addAll(engine(evaluate(client, collection, dataset, modes, embedder), lexical));
                    writeReport(ingestion, quality);
                    if (!lexical.equals("sql") && i == 0) {
                        try (ConfigurableApplicationContext sql = start(embedder, dbUrl, lexicalEngine("sql"))) {
                            BenchClient sqlClient = new BenchClient(
                                    ((WebServerApplicationContext) sql).getWebServer().getPort(), json);
                            quality.addAll(engine(evaluate(sqlClient, collection, dataset,
                                    List.of("lexical", "hybrid"), embedder), "sql"));
                        }
                        writeReport(ingestion, quality);
                    }
                }
                if (latency && i == 0) {
                    data.put("latency", latency(app, client, collection, dataset));
                    writeReport(ingestion, quality);
                }
            }
        }
        writeReport(ingestion, quality);
    }

    /** The index prefix of the benchmarks' OpenSearch indexes: every instance of one run shares them. */
    static final String OPENSEARCH_PREFIX = "lore-bench";

    /**
     * The arguments that select a lexical engine: {@code sql}, {@code lucene} (an index that starts empty in a
     * directory of its own) or {@code opensearch} (the tests' OpenSearch node in this JVM, started on first use;
     * every instance of the run shares its indexes, one shard and no replica each). Dense search stays in PostgreSQL.
     */
    static String[] lexicalEngine(String engine) {
        return lexicalEngine(engine, false);
    }

    /**
     * As {@link #lexicalEngine(String)}; with {@code dense} and {@code opensearch}, dense search runs in the
     * collection's OpenSearch index too (its k-NN field, written by the same feed applier), so that a run with
     * meaningful vectors times the whole of that engine rather than OpenSearch's text beside pgvector's graph.
     */
    static String[] lexicalEngine(String engine, boolean dense) {
        if (engine.equals("sql")) {
            return new String[] { "--lore.retrieval.lexical.engine=sql" };
        }
        if (engine.equals("opensearch")) {
            List<String> arguments = new ArrayList<>(List.of("--lore.retrieval.lexical.engine=opensearch",
                    "--lore.retrieval.lexical.opensearch.urls=" + openSearchUrl(),
                    "--lore.retrieval.lexical.opensearch.index-prefix=" + OPENSEARCH_PREFIX,
                    "--lore.retrieval.lexical.opensearch.replicas=0"));
            if (dense) {
                arguments.add("--lore.retrieval.dense.engine=opensearch");
            }
            return arguments.toArray(String[]::new);
        }
        try {
            return new String[] { "--lore.retrieval.lexical.engine=" + engine, "--lore.retrieval.lexical.index-dir="
                    + Files.createTempDirectory("lore-bench-lexical") };
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The HTTP address of the tests' OpenSearch node in this JVM (started on first use). */
    static URI openSearchUrl() {
        URI url = TestOpenSearch.url();
        if (url == null) {
            throw new IllegalStateException("No OpenSearch: " + TestOpenSearch.unavailable());
        }
        return url;
    }

    /**
     * Waits until the collection's lexical index holds every change (searches would run in SQL before), and returns
     * how long that took after the load.
     */
    static double awaitLexicalIndex(BenchClient client, String collection) {
        long start = System.nanoTime();
        while (!client.get("/api/v1/collections/" + collection).path("lexicalIndex").path("state").asString()
                .equals("ready")) {
            if (System.nanoTime() - start > java.util.concurrent.TimeUnit.MINUTES.toNanos(30)) {
                throw new IllegalStateException("The lexical index of " + collection + " is not ready after 30 min");
            }
            sleep(Duration.ofMillis(200));
        }
        return RetrievalMetrics.round((System.nanoTime() - start) / 1e9);
    }

    private static List<Map<String, Object>> engine(List<Map<String, Object>> rows, String engine) {
        for (Map<String, Object> row : rows) {
            if (!row.get("mode").toString().startsWith("dense")) {
                row.put("mode", row.get("mode") + " (" + engine + ")");
            }
        }
        return rows;
    }

    /** Starts Lore on a free port against {@code dbUrl}, without keys, quiet; {@code more} are further arguments. */
    static ConfigurableApplicationContext start(String embedder, String dbUrl, String... more) {
        SpringApplication app = new SpringApplication(LoreApplication.class);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--lore.models.embedder=" + embedder,
                "--lore.security.enabled=false", "--spring.datasource.url=" + dbUrl, "--spring.main.banner-mode=off",
                "--logging.level.root=WARN", "--logging.level.dev.lore.requests=WARN",
                "--lore.documents.poll-interval=200ms"));
        args.addAll(List.of(more));
        return app.run(args.toArray(String[]::new));
    }

    private Map<String, Object> ingest(ConfigurableApplicationContext app, BenchClient client, String collection,
            BeirDataset dataset, String embedder) {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
        List<BeirDataset.Doc> warmUp = dataset.corpus().subList(0, Math.min(warmUpDocuments, dataset.corpus().size()));
        warmUp(app, client, collection + "-warmup", warmUp);
        warmedUpWith = warmUp.size();
        // the previous run's chunks are dead rows now: vacuum them before the clock starts, not during the load
        jdbc.sql("VACUUM ANALYZE chunks, documents, ingestion_items").update();
        client.post("/api/v1/collections", Map.of("name", collection));
        MeterRegistry meters = app.getBean(MeterRegistry.class);
        Map<String, Double> stagesBefore = stageSeconds(meters);
        CpuAccounting cpu = new CpuAccounting();
        System.out.println("timed load starts");
        long start = System.nanoTime();
        load(app, client, collection, dataset.corpus());
        double drainedSeconds = (System.nanoTime() - start) / 1e9;
        // a collection over lore.vector-index.threshold is searchable through its HNSW index only once that is built
        // after the load: the pipeline's time runs until then
        awaitIndex(app, client, collection);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> cpuSeconds = cpu.since();
        long failed = jdbc.sql("""
                SELECT count(*) FROM ingestion_items i JOIN collections c ON c.id = i.collection_id
                WHERE c.name = :n AND i.status = 'FAILED'""").param("n", collection).query(Long.class).single();
        List<String> texts = texts(jdbc, collection);
        Embedder model = app.getBean(Embedder.class);
        CpuAccounting rawCpu = new CpuAccounting();
        long rawStart = System.nanoTime();
        for (int i = 0; measureRaw && i < texts.size(); i += 32) {
            model.embedDocuments(texts.subList(i, Math.min(texts.size(), i + 32)));
        }
        double rawSeconds = measureRaw ? (System.nanoTime() - rawStart) / 1e9 : Double.NaN;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("embedder", embedder);
        row.put("documents", dataset.corpus().size());
        row.put("failed", failed);
        row.put("chunks", texts.size());
        row.put("pipelineSeconds", RetrievalMetrics.round(seconds));
        row.put("indexWaitSeconds", RetrievalMetrics.round(seconds - drainedSeconds));
        row.put("pipelineChunksPerSecond", RetrievalMetrics.round(texts.size() / seconds));
        row.put("rawEmbedderSeconds", measureRaw ? RetrievalMetrics.round(rawSeconds) : "-");
        row.put("rawEmbedderChunksPerSecond", measureRaw ? RetrievalMetrics.round(texts.size() / rawSeconds) : "-");
        row.put("ratio", measureRaw ? RetrievalMetrics.round((texts.size() / seconds) / (texts.size() / rawSeconds))
                : "-");
        stageSeconds(meters).forEach((stage, total) -> row.put(stage + "Seconds",
                RetrievalMetrics.round(total - stagesBefore.get(stage))));
        row.put("pipelineCpuSeconds", cpuSeconds);
        row.put("rawCpuSeconds", rawCpu.since());
        System.out.println("ingestion " + row);
        return row;
    }

    /** Seconds spent so far in each ingestion stage, from Lore's own timers. */
    private static Map<String, Double> stageSeconds(MeterRegistry meters) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String stage : List.of("parse", "embed", "store")) {
            Timer timer = meters.find("lore.ingestion.stage").tag("stage", stage).timer();
            seconds.put(stage, timer == null ? 0 : timer.totalTime(TimeUnit.SECONDS));
        }
        return seconds;
    }

    /**
     * Loads documents (by default the whole corpus, {@code --warmup=N} for fewer) into a scratch collection and deletes
     * it, so that the timed load meets a warm service (JIT-compiled code, open connections, loaded models), as the raw
     * embedder timed after it does: a fresh JVM spends 20-25 s of CPU compiling during its first minute of ingestion,
     * and still 12 s after 2,000 documents.
     */
    private void warmUp(ConfigurableApplicationContext app, BenchClient client, String collection,
            List<BeirDataset.Doc> docs) {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
        client.post("/api/v1/collections", Map.of("name", collection));
        load(app, client, collection, docs);
        awaitIndex(app, client, collection);
        long id = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection).query(Long.class)
                .single();
        jdbc.sql("DELETE FROM collections WHERE id = :id").param("id", id).update();
        // the indexer drops the deleted collection's index on its next check: let that happen before the clock starts
        for (int i = 0; i < 120 && jdbc.sql("SELECT count(*) FROM pg_indexes WHERE indexname = :n")
                .param("n", VectorIndexes.indexName(id)).query(Long.class).single() > 0; i++) {
            sleep(Duration.ofMillis(250));
        }
    }

    /** Uploads the documents as Markdown, 100 to a request, and waits until none is queued or running. */
    static void load(ConfigurableApplicationContext app, BenchClient client, String collection,
            List<BeirDataset.Doc> docs) {
        Map<String, String> batch = new LinkedHashMap<>();
        for (BeirDataset.Doc doc : docs) {
            // "# title" makes the title the document's title and heading: embedded as title + text, like MTEB
            batch.put(doc.id() + ".md", "# " + doc.title() + "\n\n" + doc.text());
            if (batch.size() == 100) {
                client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", batch);
        }
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        while (jdbc.sql("""
                SELECT count(*) FROM ingestion_items i JOIN collections c ON c.id = i.collection_id
                WHERE c.name = :n AND i.status IN ('QUEUED', 'RUNNING')""").param("n", collection)
                .query(Long.class).single() > 0) {
            sleep(Duration.ofMillis(250));
        }
    }

    /** Waits until a collection over lore.vector-index.threshold reports its HNSW index ready. */
    static void awaitIndex(ConfigurableApplicationContext app, BenchClient client, String collection) {
        boolean indexed = app.getBean(JdbcClient.class).sql("SELECT chunk_count FROM collections WHERE name = :n")
                .param("n", collection).query(Long.class).single()
                >= app.getBean(VectorIndexProperties.class).threshold();
        while (indexed && !vectorIndex(client, collection).equals("hnsw")) {
            sleep(Duration.ofMillis(250));
        }
    }

    private static List<String> texts(JdbcClient jdbc, String collection) {
        return jdbc.sql("""
                SELECT k.title, k.heading_path, k.text FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = :n ORDER BY k.source, k.ordinal""").param("n", collection)
                .query((rs, n) -> Chunker.embeddingText(rs.getString(1), rs.getString(2), rs.getString(3))).list();
    }

    private static String vectorIndex(BenchClient client, String collection) {
        for (JsonNode summary : client.get("/api/v1/collections")) {
            if (summary.path("name").asString().equals(collection)) {
                return summary.path("vectorIndex").asString();
            }
        }
        throw new IllegalStateException("Collection " + collection + " is gone");
    }

    /** Scores the modes through Lore's own evaluation harness ({@code POST /api/v1/evaluations}), BEIR-shaped. */
    private List<Map<String, Object>> evaluate(BenchClient client, String collection, BeirDataset dataset,
            List<String> modes, String embedder) {
        List<Map<String, String>> queries = new ArrayList<>();
        dataset.queries().forEach((id, text) -> queries.add(Map.of("_id", id, "text", text)));
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        dataset.qrels().forEach((id, docs) -> {
            Map<String, Integer> judged = new LinkedHashMap<>();
            docs.forEach(doc -> judged.put(doc, 1));
            qrels.put(id, judged);
        });
        List<Map<String, String>> configurations = modes.stream().map(mode -> Map.of("mode", mode)).toList();
        JsonNode report = client.post("/api/v1/evaluations", Map.of("collection", collection,
                "beir", Map.of("queries", queries, "qrels", qrels), "configurations", configurations));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode configuration : report.path("configurations")) {
            String mode = configuration.path("mode").asString();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("embedder", mode.equals("lexical") ? "-" : embedder);
            row.put("mode", configuration.path("name").asString());
            row.put("queries", report.path("questions").asInt());
            row.put("ndcg@10", configuration.path("ndcgAt10").asDouble());
            row.put("recall@10", configuration.path("recallAt10").asDouble());
            row.put("recall@100", configuration.path("recallAt100").asDouble());
            row.put("mrr@10", configuration.path("mrrAt10").asDouble());
            row.put("p50Ms", RetrievalMetrics.round(configuration.path("p50Ms").asDouble()));
            System.out.println("scifact " + row);
            rows.add(row);
        }
        return rows;
    }

    private Map<String, Object> latency(ConfigurableApplicationContext app, BenchClient client, String source,
            BeirDataset dataset) {
        var bench = new dev.lore.retrieval.LatencyBench(app, (body) -> client.post("/api/v1/search", body), dbUrl);
        Map<String, Object> rows = new LinkedHashMap<>();
        for (int size : new int[] { 10_000, 100_000 }) {
            rows.put(String.valueOf(size), bench.run(source, size, new ArrayList<>(dataset.queries().values())));
        }
        return rows;
    }

    /** Writes what has been measured so far, so that a run cut short still leaves its numbers. */
    private void writeReport(List<Map<String, Object>> ingestion, List<Map<String, Object>> quality)
            throws java.io.IOException {
        StringBuilder report = new StringBuilder(header);
        report.append("## Ingestion: SciFact corpus through the whole pipeline vs the raw embedder\n\n")
                .append("| embedder | documents | chunks | pipeline chunks/s | raw embedder chunks/s | ratio "
                        + "| parse / embed / store s | index wait s |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> row : ingestion) {
            report.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s |%n",
                    row.get("embedder"), row.get("documents"), row.get("chunks"), row.get("pipelineChunksPerSecond"),
                    row.get("rawEmbedderChunksPerSecond"), row.get("ratio"), row.get("parseSeconds"),
                    row.get("embedSeconds"), row.get("storeSeconds"), row.get("indexWaitSeconds")));
        }
        report.append("\nThe stages overlap: batch k is stored while batch k+1 is parsed and embedded. The service is warmed "
                + "up first with " + warmedUpWith + " of the documents in a scratch collection (the raw embedder is timed warm too); "
                + "the pipeline's time runs from the first upload until the collection is searchable through its HNSW index, built "
                + "in bulk after the load (index wait: the time between the last document stored and the index "
                + "ready).\n");
        report.append("\nCPU seconds by thread group and PostgreSQL (all its processes) during the timed load and during "
                + "the raw embedder's run (bench/CpuAccounting; jit-compile-ms and gc-ms are milliseconds):\n\n");
        for (Map<String, Object> row : ingestion) {
            report.append("- ").append(row.get("embedder")).append(": pipeline ").append(row.get("pipelineCpuSeconds"))
                    .append("; raw ").append(row.get("rawCpuSeconds")).append('\n');
        }
        report.append("\n## SciFact (BEIR test, 300 queries), scored by Lore's evaluation harness "
                + "(POST /api/v1/evaluations): documents ranked by their best chunk; p50 is in-process search time\n\n")
                .append("| mode | embedder | nDCG@10 | Recall@100 | MRR@10 | p50 ms |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> row : quality) {
            report.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", row.get("mode"),
                    row.get("embedder"), row.get("ndcg@10"), row.get("recall@100"), row.get("mrr@10"),
                    row.get("p50Ms")));
        }
        report.append("\nPublished (BASELINES.md): BM25 0.665, all-MiniLM-L6-v2 0.645, bge-small-en-v1.5 0.713.\n");
        if (data.containsKey("latency")) {
            report.append("\n## /search latency (hybrid, HTTP) vs the same SQL over plain JDBC, same run\n\n")
                    .append("| chunks | HTTP p50 ms | HTTP p99 ms | JDBC p50 ms | JDBC p99 ms | p50 ratio |\n")
                    .append("|---|---|---|---|---|---|\n");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> latency = (Map<String, Map<String, Object>>) data.get("latency");
            latency.forEach((size, row) -> report.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n",
                    size, row.get("httpP50Ms"), row.get("httpP99Ms"), row.get("jdbcP50Ms"), row.get("jdbcP99Ms"),
                    row.get("p50Ratio"))));
        }
        data.put("ingestion", ingestion);
        data.put("scifact", quality);
        Files.writeString(results.resolve("benchmarks.md"), report);
        Files.writeString(results.resolve("benchmarks.json"), json.writerWithDefaultPrettyPrinter()
                .writeValueAsString(data));
    }

    static double round4(double value) {
        return Math.round(value * 10000) / 10000.0;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
