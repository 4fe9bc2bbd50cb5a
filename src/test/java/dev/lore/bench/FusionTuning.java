package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lore.retrieval.Retriever;
import dev.lore.retrieval.SearchFilter;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchRequest;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * How hybrid search's fusion could be set, measured on SciFact: each query's dense and lexical candidate lists (chunk
 * ids in rank order, with their scores) are read once from the service's own search (its explain trace), and the
 * fusion functions are then scored offline over a grid of their settings: reciprocal rank fusion with its constant k,
 * a weight on the lexical list and the candidates per list, and a convex combination of min-max normalised scores.
 * Documents are ranked by their best chunk, as the evaluation harness ranks them. Settings are chosen on the BEIR
 * train split and reported on the test split, which takes no part in the choice. Run by {@code bench/fusion.sh}.
 */
public final class FusionTuning {

    /** One query's candidate lists: chunk ids best first, their scores, and the documents each chunk belongs to. */
    record Lists(List<String> dense, double[] denseScores, List<String> lexical, double[] lexicalScores) {
    }

    /** A fusion function and its settings. */
    record Fusion(String function, double k, double lexicalWeight, int candidates) {

        String describe() {
            return function.equals("rrf")
                    ? String.format(Locale.ROOT, "RRF k=%s, lexical weight %.2f, %d per list", fmt(k), lexicalWeight,
                            candidates)
                    : String.format(Locale.ROOT, "convex min-max, lexical weight %.2f, %d per list", lexicalWeight,
                            candidates);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path scifact = Path.of(options.getOrDefault("scifact", "../shared/eval/scifact"));
        String dbUrl = options.getOrDefault("db", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        String embedder = options.getOrDefault("embedder", "all-minilm-l6-v2-q");
        String collection = "scifact-fusion-" + embedder.replaceAll("[^a-z0-9]", "");
        int depth = Integer.parseInt(options.getOrDefault("depth", "200"));
        List<String> engines = List.of(options.getOrDefault("engines", "lucene,sql").split(","));
        Path out = Path.of(options.getOrDefault("out", "bench/results/fusion.md"));
        JsonMapper json = JsonMapper.builder().build();
        // --docs and --queries cut the corpus and each split short: a quick check of the bench itself, not a measure
        int docs = Integer.parseInt(options.getOrDefault("docs", String.valueOf(Integer.MAX_VALUE)));
        int queries = Integer.parseInt(options.getOrDefault("queries", String.valueOf(Integer.MAX_VALUE)));
        BeirDataset train = cut(BeirDataset.load(scifact, "train", json), docs, queries);
        BeirDataset test = cut(BeirDataset.load(scifact, "test", json), docs, queries);
        StringBuilder report = new StringBuilder("# Hybrid fusion on SciFact, tuned on the train split\n\nRun "
                + Instant.now() + " by `bench/fusion.sh` with " + embedder + "; " + train.queries().size()
                + " train and " + test.queries().size() + " test queries, each list read " + depth
                + " deep from the service's search (explain trace), fused offline; documents ranked by their best "
                + "chunk; nDCG@10.\n\n");
        for (int e = 0; e < engines.size(); e++) {
            String engine = engines.get(e);
            try (ConfigurableApplicationContext app = Benchmarks.start(embedder, dbUrl,
                    Benchmarks.lexicalEngine(engine))) {
                BenchClient client = new BenchClient(((WebServerApplicationContext) app).getWebServer().getPort(),
                        json);
                JdbcClient jdbc = app.getBean(JdbcClient.class);
                if (e == 0) {
                    ingestIfMissing(app, client, jdbc, collection, test);
                }
                if (!engine.equals("sql")) {
                    Benchmarks.awaitLexicalIndex(client, collection);
                }
                Map<String, String> documentOf = new HashMap<>();
                jdbc.sql("SELECT k.id, k.source FROM chunks k JOIN collections c ON c.id = k.collection_id "
                        + "WHERE c.name = :n").param("n", collection).query((rs, n) -> documentOf
                                .put(rs.getString(1), rs.getString(2).replaceFirst("\\.md$", "")))
                        .list();
                Retriever retriever = app.getBean(Retriever.class);
                Map<String, Lists> trainLists = lists(retriever, collection, train, depth);
                Map<String, Lists> testLists = lists(retriever, collection, test, depth);
                report.append(tune(engine, documentOf, train, trainLists, test, testLists));
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, report);
                System.out.println(report);
            }
        }
        System.exit(0);
    }

    private static BeirDataset cut(BeirDataset dataset, int docs, int queries) {
        Map<String, String> kept = new LinkedHashMap<>();
        dataset.queries().entrySet().stream().limit(queries).forEach(q -> kept.put(q.getKey(), q.getValue()));
        return new BeirDataset(dataset.corpus().subList(0, Math.min(docs, dataset.corpus().size())), kept,
                dataset.qrels());
    }

    private static void ingestIfMissing(ConfigurableApplicationContext app, BenchClient client, JdbcClient jdbc,
            String collection, BeirDataset dataset) {
        long documents = jdbc.sql("""
                SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = :n""")
                .param("n", collection).query(Long.class).single();
        if (documents == dataset.corpus().size()) {
            System.out.println("reusing " + collection);
            return;
        }
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", collection).update();
        client.post("/api/v1/collections", Map.of("name", collection));
        long start = System.nanoTime();
        Benchmarks.load(app, client, collection, dataset.corpus());
        Benchmarks.awaitIndex(app, client, collection);
        System.out.printf(Locale.ROOT, "ingested %s in %.0f s%n", collection, (System.nanoTime() - start) / 1e9);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Lists> lists(Retriever retriever, String collection, BeirDataset dataset, int depth) {
        Map<String, Lists> lists = new LinkedHashMap<>();
        dataset.queries().forEach((id, text) -> {
            Map<String, Object> trace = retriever.search(new SearchRequest(collection, text, 10, SearchMode.HYBRID,
                    SearchFilter.NONE, depth, true)).trace();
            Map<String, Object> stages = (Map<String, Object>) trace.get("stages");
            List<Map<String, Object>> dense = (List<Map<String, Object>>) stages.get("dense");
            List<Map<String, Object>> lexical = (List<Map<String, Object>>) stages.get("lexical");
            lists.put(id, new Lists(ids(dense), scores(dense), ids(lexical), scores(lexical)));
        });
        return lists;
    }

    private static List<String> ids(List<Map<String, Object>> stage) {
        return stage.stream().map(c -> c.get("chunkId").toString()).toList();
    }

    private static double[] scores(List<Map<String, Object>> stage) {
        return stage.stream().mapToDouble(c -> ((Number) c.get("score")).doubleValue()).toArray();
    }

    /** The grid scored on train, the best of each function and the service's current setting scored on test. */
    private static String tune(String engine, Map<String, String> documentOf, BeirDataset train,
            Map<String, Lists> trainLists, BeirDataset test, Map<String, Lists> testLists) {
        List<Fusion> grid = new ArrayList<>();
        for (int n : new int[] { 20, 50, 100, 200 }) {
            for (double k : new double[] { 1, 5, 10, 20, 40, 60, 100 }) {
                for (double w = 0.3; w <= 0.701; w += 0.05) {
                    grid.add(new Fusion("rrf", k, w, n));
                }
            }
            for (double w = 0.0; w <= 1.001; w += 0.05) {
                grid.add(new Fusion("convex", 0, w, n));
            }
        }
        Map<String, Fusion> best = new LinkedHashMap<>();
        Map<String, Double> bestTrain = new LinkedHashMap<>();
        for (Fusion f : grid) {
            double score = ndcg(f, trainLists, train, documentOf);
            if (score > bestTrain.getOrDefault(f.function(), -1.0)) {
                bestTrain.put(f.function(), score);
                best.put(f.function(), f);
            }
            // the best RRF per candidates, to see what the list depth alone does
            String key = f.function() + "@" + f.candidates();
            if (score > bestTrain.getOrDefault(key, -1.0)) {
                bestTrain.put(key, score);
                best.put(key, f);
            }
        }
        StringBuilder out = new StringBuilder("## Lexical engine: " + engine + "\n\n| fusion | train nDCG@10 | test "
                + "nDCG@10 |\n|---|---|---|\n");
        List<Fusion> rows = new ArrayList<>(List.of(new Fusion("rrf", 5, 0.5, 50), new Fusion("rrf", 5, 0.5, 100)));
        rows.addAll(best.values());
        // the constant alone, the lists weighted equally as the service weights them
        for (double k : new double[] { 1, 10, 20, 40, 60 }) {
            rows.add(new Fusion("rrf", k, 0.5, 50));
        }
        List<Fusion> seen = new ArrayList<>();
        for (Fusion f : rows) {
            if (seen.contains(f)) {
                continue;
            }
            seen.add(f);
            String note = f.equals(rows.get(0)) ? " (service default: 50 per list)"
                    : f.equals(rows.get(1)) ? " (the harness's 100 per list)"
                    : f.equals(best.get(f.function())) ? " **best on train**" : "";
            out.append(String.format(Locale.ROOT, "| %s%s | %.4f | %.4f |%n", f.describe(), note,
                    ndcg(f, trainLists, train, documentOf), ndcg(f, testLists, test, documentOf)));
        }
        out.append("\nSingle lists (100 deep): dense ").append(String.format(Locale.ROOT, "%.4f / %.4f",
                ndcg(new Fusion("rrf", 60, 0, 100), trainLists, train, documentOf),
                ndcg(new Fusion("rrf", 60, 0, 100), testLists, test, documentOf)))
                .append(", lexical ").append(String.format(Locale.ROOT, "%.4f / %.4f",
                        ndcg(new Fusion("rrf", 60, 1, 100), trainLists, train, documentOf),
                        ndcg(new Fusion("rrf", 60, 1, 100), testLists, test, documentOf)))
                .append(" (train / test).\n\n");
        out.append("<details><summary>RRF grid on train (rows k, columns lexical weight)</summary>\n\n");
        for (int n : new int[] { 50, 100 }) {
            out.append("\n").append(n).append(" per list:\n\n| k |");
            for (double w = 0.3; w <= 0.701; w += 0.05) {
                out.append(String.format(Locale.ROOT, " %.2f |", w));
            }
            out.append("\n|---|---|---|---|---|---|---|---|---|---|\n");
            for (double k : new double[] { 1, 5, 10, 20, 40, 60, 100 }) {
                out.append("| ").append(fmt(k)).append(" |");
                for (double w = 0.3; w <= 0.701; w += 0.05) {
                    out.append(String.format(Locale.ROOT, " %.4f |",
                            ndcg(new Fusion("rrf", k, w, n), trainLists, train, documentOf)));
                }
                out.append('\n');
            }
        }
        return out.append("\n</details>\n\n").toString();
    }

    static double ndcg(Fusion f, Map<String, Lists> lists, BeirDataset dataset, Map<String, String> documentOf) {
        double sum = 0;
        for (Map.Entry<String, Lists> entry : lists.entrySet()) {
            Set<String> relevant = dataset.qrels().get(entry.getKey());
            sum += RetrievalMetrics.ndcgAt(10, documents(fuse(f, entry.getValue()), documentOf), relevant);
        }
        return sum / lists.size();
    }

    /** Chunk ids by fused score, best first. */
    static List<String> fuse(Fusion f, Lists lists) {
        Map<String, Double> scores = new LinkedHashMap<>();
        add(f, lists.dense(), lists.denseScores(), 1 - f.lexicalWeight(), scores);
        add(f, lists.lexical(), lists.lexicalScores(), f.lexicalWeight(), scores);
        List<Map.Entry<String, Double>> ranked = new ArrayList<>(scores.entrySet());
        ranked.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        return ranked.stream().map(Map.Entry::getKey).toList();
    }

    private static void add(Fusion f, List<String> ids, double[] raw, double weight, Map<String, Double> scores) {
        int n = Math.min(f.candidates(), ids.size());
        if (weight == 0 || n == 0) {
            return;
        }
        double max = raw[0];
        double min = raw[0];
        for (int i = 0; i < n; i++) {
            max = Math.max(max, raw[i]);
            min = Math.min(min, raw[i]);
        }
        for (int i = 0; i < n; i++) {
            double s = f.function().equals("rrf") ? 1.0 / (f.k() + i + 1)
                    : max == min ? 1 : (raw[i] - min) / (max - min);
            scores.merge(ids.get(i), weight * s, Double::sum);
        }
    }

    private static List<String> documents(List<String> chunks, Map<String, String> documentOf) {
        java.util.LinkedHashSet<String> documents = new java.util.LinkedHashSet<>();
        for (String chunk : chunks) {
            documents.add(documentOf.get(chunk));
            if (documents.size() == 10) {
                break;
            }
        }
        return new ArrayList<>(documents);
    }

    private static String fmt(double k) {
        return k == Math.rint(k) ? String.valueOf((long) k) : String.valueOf(k);
    }
}
