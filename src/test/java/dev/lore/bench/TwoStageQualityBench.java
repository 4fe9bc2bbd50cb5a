package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import dev.lore.models.Embedder;
import dev.lore.models.onnx.OnnxEmbedders;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * What two-stage dense search costs in quality on SciFact (BEIR test split) with the in-process embedders, none of
 * them Matryoshka-trained: nDCG@10 of {@code full} against {@code binary} (Hamming over the sign bits, as pgvector's
 * {@code binary_quantize}) and prefixes of the vector, each alone and re-scored with the whole vectors from N
 * candidates, as Lore's two-stage statement does. Every stage is exact here (no HNSW), so the numbers are what the
 * representation loses; what the graphs lose is measured by {@code bench/dense-two-stage.sh}. Each document is
 * embedded whole (title and abstract), once. Run by {@code bench/two-stage-quality.sh}; writes
 * {@code bench/results/2026-11-30-two-stage-quality-scifact.md}.
 */
public final class TwoStageQualityBench {

    private static final int[] CANDIDATES = { 10, 20, 40, 80, 160 };
    private static final int[] PREFIXES = { 32, 64, 128, 192, 256 };

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Benchmarks.options(args);
        Path scifact = Path.of(options.getOrDefault("scifact", "../shared/eval/scifact"));
        List<String> embedders = List.of(options.getOrDefault("embedders", "all-minilm-l6-v2-q").split(","));
        Path out = Path.of(options.getOrDefault("out", "bench/results/2026-11-30-two-stage-quality-scifact.md"));
        BeirDataset data = BeirDataset.load(scifact, "test", JsonMapper.builder().build());
        List<String> ids = data.corpus().stream().map(BeirDataset.Doc::id).toList();
        List<String> texts = data.corpus().stream().map(doc -> (doc.title() + "\n\n" + doc.text()).strip()).toList();
        List<String> queryIds = new ArrayList<>(data.queries().keySet());

        StringBuilder md = new StringBuilder("""
                # Two-stage dense search on SciFact: what binary and prefix vectors cost (2026-11-30)

                `bench/two-stage-quality.sh` (`TwoStageQualityBench`): SciFact (BEIR, test split, %d queries, %d
                documents, each embedded whole), in-process embedders, none of them Matryoshka-trained, so the prefix
                rows show what truncating a plain model costs. Every stage is exact (no HNSW graph): the numbers are
                the representation's loss; the graphs' own loss is in `2026-11-30-dense-two-stage-*.md`.
                "agreement" is the share of `full`'s top 10 that the mode returns. "+ rescoring from N": the first
                stage's N best by the short representation, re-ordered by the whole vectors' cosine, as Lore's
                two-stage statement does.
                """.formatted(queryIds.size(), ids.size()));
        for (String name : embedders) {
            Embedder embedder = OnnxEmbedders.create(name);
            long start = System.nanoTime();
            float[][] docs = new float[texts.size()][];
            for (int from = 0; from < texts.size(); from += 64) {
                List<float[]> batch = embedder.embedDocuments(texts.subList(from, Math.min(texts.size(), from + 64)));
                for (int i = 0; i < batch.size(); i++) {
                    docs[from + i] = batch.get(i);
                }
            }
            double embedSeconds = (System.nanoTime() - start) / 1e9;
            float[][] queries = queryIds.stream().map(id -> embedder.embedQuery(data.queries().get(id)))
                    .toArray(float[][]::new);
            long[][] docBits = Arrays.stream(docs).map(TwoStageQualityBench::bits).toArray(long[][]::new);

            Map<String, double[]> rows = new LinkedHashMap<>();
            List<List<Integer>> fullTop = new ArrayList<>();
            for (int q = 0; q < queries.length; q++) {
                fullTop.add(top(docs.length, 10, cosine(docs, queries[q], docs[0].length)));
            }
            score(rows, "full", q -> fullTop.get(q), queryIds, data, ids, fullTop);
            score(rows, "binary alone (Hamming)", q -> top(docs.length, 10, hamming(docBits, bits(queries[q]))),
                    queryIds, data, ids, fullTop);
            for (int n : CANDIDATES) {
                score(rows, "binary + rescoring from " + n, q -> rescored(top(docs.length, n,
                        hamming(docBits, bits(queries[q]))), docs, queries[q]), queryIds, data, ids, fullTop);
            }
            for (int dims : PREFIXES) {
                score(rows, "prefix " + dims + " alone", q -> top(docs.length, 10, cosine(docs, queries[q], dims)),
                        queryIds, data, ids, fullTop);
                for (int n : new int[] { 40, 160 }) {
                    score(rows, "prefix " + dims + " + rescoring from " + n, q -> rescored(top(docs.length, n,
                            cosine(docs, queries[q], dims)), docs, queries[q]), queryIds, data, ids, fullTop);
                }
            }
            md.append("\n## ").append(name).append(" (").append(docs[0].length).append(" dimensions; corpus embedded in ")
                    .append(String.format(Locale.ROOT, "%.0f", embedSeconds)).append(" s)\n\n")
                    .append("| mode | nDCG@10 | vs full | agreement with full's top 10 |\n|---|---:|---:|---:|\n");
            double full = rows.get("full")[0];
            rows.forEach((mode, values) -> md.append(String.format(Locale.ROOT, "| %s | %.4f | %.3f | %.3f |%n", mode,
                    values[0], values[0] / full, values[1])));
            System.out.println(md);
        }
        Files.writeString(out, md.toString());
    }

    private static void score(Map<String, double[]> rows, String mode,
            java.util.function.IntFunction<List<Integer>> ranking, List<String> queryIds, BeirDataset data,
            List<String> ids, List<List<Integer>> fullTop) {
        double ndcg = 0;
        double agreement = 0;
        for (int q = 0; q < queryIds.size(); q++) {
            List<Integer> ranked = ranking.apply(q);
            Set<String> relevant = data.qrels().get(queryIds.get(q));
            ndcg += RetrievalMetrics.ndcgAt(10, ranked.stream().map(ids::get).toList(), relevant);
            Set<Integer> exact = Set.copyOf(fullTop.get(q));
            agreement += ranked.stream().limit(10).filter(exact::contains).count() / 10.0;
        }
        rows.put(mode, new double[] { ndcg / queryIds.size(), agreement / queryIds.size() });
    }

    /** The {@code k} indexes of the smallest distances, ties by index. */
    private static List<Integer> top(int size, int k, double[] distance) {
        return IntStream.range(0, size).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> distance[i]).thenComparingInt(i -> i))
                .limit(k).toList();
    }

    private static List<Integer> rescored(List<Integer> candidates, float[][] docs, float[] query) {
        return candidates.stream().sorted(Comparator.comparingDouble(i -> -dot(docs[i], query, query.length)))
                .limit(10).toList();
    }

    /** Cosine distance over the first {@code dims} dimensions (the whole vector when it is all of them). */
    private static double[] cosine(float[][] docs, float[] query, int dims) {
        double[] distance = new double[docs.length];
        double q = Math.sqrt(dot(query, query, dims));
        for (int i = 0; i < docs.length; i++) {
            distance[i] = 1 - dot(docs[i], query, dims) / (Math.sqrt(dot(docs[i], docs[i], dims)) * q);
        }
        return distance;
    }

    private static double dot(float[] a, float[] b, int dims) {
        double sum = 0;
        for (int i = 0; i < dims; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** pgvector's binary_quantize: one bit a dimension, set where the value is positive. */
    private static long[] bits(float[] vector) {
        long[] bits = new long[(vector.length + 63) / 64];
        for (int i = 0; i < vector.length; i++) {
            if (vector[i] > 0) {
                bits[i / 64] |= 1L << (i % 64);
            }
        }
        return bits;
    }

    private static double[] hamming(long[][] docs, long[] query) {
        double[] distance = new double[docs.length];
        for (int i = 0; i < docs.length; i++) {
            int d = 0;
            for (int w = 0; w < query.length; w++) {
                d += Long.bitCount(docs[i][w] ^ query[w]);
            }
            distance[i] = d;
        }
        return distance;
    }
}
