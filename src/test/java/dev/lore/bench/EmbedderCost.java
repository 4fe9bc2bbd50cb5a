package dev.lore.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.documents.internal.Chunker;
import dev.lore.models.Embedder;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What one in-process embedder costs and gives on a small fixed corpus, in a JVM of its own so that its memory is
 * its own: the 18F handbook and a fixed slice of the SciFact corpus ingested through the service (wall and process
 * CPU seconds, chunks/s), the raw embedder over the first {@code --raw-texts} of the same chunk texts, the process's resident memory and live heap
 * afterwards, and the handbook questions scored by the evaluation harness. Run by {@code bench/embedders.sh}, which
 * starts one JVM per embedder and interleaves the embedders over rounds; each run appends one JSON line to
 * {@code --out}.
 */
public final class EmbedderCost {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        String embedder = options.getOrDefault("embedder", "all-minilm-l6-v2-q");
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        Path handbook = Path.of(options.getOrDefault("handbook", "../shared/eval/handbook"));
        Path scifact = Path.of(options.getOrDefault("scifact", "../shared/eval/scifact"));
        int warmUp = Integer.parseInt(options.getOrDefault("warmup", "50"));
        int sample = Integer.parseInt(options.getOrDefault("scifact-docs", "0"));
        int rawTexts = Integer.parseInt(options.getOrDefault("raw-texts", "300"));
        Path out = Path.of(options.getOrDefault("out", "bench/results/embedder-cost.jsonl"));
        JsonMapper json = JsonMapper.builder().build();
        BeirDataset dataset = BeirDataset.load(scifact, "test", json);
        // the warm-up documents come before the timed slice, so that nothing timed was embedded before
        List<BeirDataset.Doc> warmUpDocs = dataset.corpus().subList(0, warmUp);
        List<BeirDataset.Doc> sampleDocs = dataset.corpus().subList(warmUp, warmUp + sample);
        JsonNode questions = json.readTree(Files.readString(Path.of("bench/handbook-questions.json")));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("embedder", embedder);
        row.put("run", Instant.now().toString());
        try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl,
                Benchmarks.lexicalEngine(options.getOrDefault("lexical", "sql")))) {
            BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(), json);
            JdbcClient jdbc = app.getBean(JdbcClient.class);
            String prefix = "cost-" + embedder.replaceAll("[^a-z0-9]", "");
            for (String c : List.of("-warmup", "-handbook", "-scifact")) {
                jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", prefix + c).update();
            }
            jdbc.sql("VACUUM ANALYZE chunks, documents, ingestion_items").update();
            client.post("/api/v1/collections", Map.of("name", prefix + "-warmup"));
            Benchmarks.load(app, client, prefix + "-warmup", warmUpDocs);
            jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", prefix + "-warmup").update();

            Map<String, String> pages = handbookPages(handbook);
            client.post("/api/v1/collections", Map.of("name", prefix + "-handbook"));
            client.post("/api/v1/collections", Map.of("name", prefix + "-scifact"));
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            upload(app, client, prefix + "-handbook", pages);
            double handbookSeconds = (System.nanoTime() - start) / 1e9;
            double handbookCpu = (processCpuNanos() - cpu) / 1e9;
            cpu = processCpuNanos();
            start = System.nanoTime();
            Benchmarks.load(app, client, prefix + "-scifact", sampleDocs);
            double scifactSeconds = (System.nanoTime() - start) / 1e9;
            double scifactCpu = (processCpuNanos() - cpu) / 1e9;
            List<String> handbookTexts = texts(jdbc, prefix + "-handbook");
            List<String> scifactTexts = texts(jdbc, prefix + "-scifact");
            long failed = jdbc.sql("""
                    SELECT count(*) FROM ingestion_items i JOIN collections c ON c.id = i.collection_id
                    WHERE c.name LIKE :p AND i.status <> 'DONE'""").param("p", prefix + "-%").query(Long.class)
                    .single();
            row.put("notDone", failed);
            put(row, "handbook", handbookTexts.size(), handbookSeconds, handbookCpu);
            put(row, "scifact", scifactTexts.size(), scifactSeconds, scifactCpu);
            int chunks = handbookTexts.size() + scifactTexts.size();
            put(row, "ingestion", chunks, handbookSeconds + scifactSeconds, handbookCpu + scifactCpu);

            // the raw embedder over the first texts only: it measures the model alone, which needs fewer texts
            List<String> all = new ArrayList<>(handbookTexts);
            all.addAll(scifactTexts);
            all = all.subList(0, Math.min(rawTexts, all.size()));
            Embedder model = app.getBean(Embedder.class);
            cpu = processCpuNanos();
            start = System.nanoTime();
            for (int i = 0; i < all.size(); i += 32) {
                model.embedDocuments(all.subList(i, Math.min(all.size(), i + 32)));
            }
            put(row, "raw", all.size(), (System.nanoTime() - start) / 1e9, (processCpuNanos() - cpu) / 1e9);

            Map<String, Long> memory = memory();
            row.put("rssMiB", memory.get("VmRSS") / 1024);
            row.put("peakRssMiB", memory.get("VmHWM") / 1024);
            System.gc();
            row.put("heapUsedAfterGcMiB",
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024));

            JsonNode report = client.post("/api/v1/evaluations", Map.of("collection", prefix + "-handbook",
                    "questions", questions, "configurations", List.of(Map.of("mode", "lexical"),
                            Map.of("mode", "dense"), Map.of("mode", "hybrid"))));
            for (JsonNode configuration : report.path("configurations")) {
                String mode = configuration.path("name").asString();
                row.put("handbook-" + mode + "-ndcg@10", configuration.path("ndcgAt10").asDouble());
                row.put("handbook-" + mode + "-mrr@10", configuration.path("mrrAt10").asDouble());
            }
            for (String c : List.of("-handbook", "-scifact")) {
                jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", prefix + c).update();
            }
        }
        String line = json.writeValueAsString(row);
        System.out.println(line);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.exit(0);
    }

    private static void put(Map<String, Object> row, String what, int chunks, double seconds, double cpuSeconds) {
        row.put(what + "Chunks", chunks);
        row.put(what + "Seconds", RetrievalMetrics.round(seconds));
        row.put(what + "ChunksPerSecond", RetrievalMetrics.round(chunks / seconds));
        row.put(what + "CpuSeconds", RetrievalMetrics.round(cpuSeconds));
    }

    /** The handbook's pages by relative path, as {@code bench/handbook.sh} loads them. */
    static Map<String, String> handbookPages(Path handbook) throws java.io.IOException {
        Map<String, String> pages = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(handbook)) {
            for (Path page : files.filter(f -> f.toString().endsWith(".md")
                    && !f.getFileName().toString().equals("SOURCE.md")).sorted().toList()) {
                pages.put(handbook.relativize(page).toString(), Files.readString(page));
            }
        }
        return pages;
    }

    /** Uploads pages 40 to a request and waits until none is queued or running. */
    private static void upload(ConfigurableApplicationContext app, BenchClient client, String collection,
            Map<String, String> pages) {
        Map<String, String> batch = new LinkedHashMap<>();
        for (Map.Entry<String, String> page : pages.entrySet()) {
            batch.put(page.getKey(), page.getValue());
            if (batch.size() == 40) {
                client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            client.uploadMarkdown("/api/v1/collections/" + collection + "/documents", batch);
        }
        Benchmarks.load(app, client, collection, List.of());
    }

    private static List<String> texts(JdbcClient jdbc, String collection) {
        return jdbc.sql("""
                SELECT k.title, k.heading_path, k.text FROM chunks k JOIN collections c ON c.id = k.collection_id
                WHERE c.name = :n ORDER BY k.source, k.ordinal""").param("n", collection)
                .query((rs, n) -> Chunker.embeddingText(rs.getString(1), rs.getString(2), rs.getString(3))).list();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** VmRSS and VmHWM (peak) of this process in KiB, from /proc. */
    private static Map<String, Long> memory() throws java.io.IOException {
        Map<String, Long> kib = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                kib.put(line.substring(0, 5), Long.parseLong(line.replaceAll("\\D", "")));
            }
        }
        return kib;
    }
}
