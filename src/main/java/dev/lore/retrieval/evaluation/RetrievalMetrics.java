package dev.lore.retrieval.evaluation;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Retrieval metrics with binary relevance, as trec_eval computes them, and latency percentiles. */
public final class RetrievalMetrics {

    private RetrievalMetrics() {
    }

    public static double ndcgAt(int k, List<String> ranked, Set<String> relevant) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (relevant.contains(ranked.get(i))) {
                dcg += 1.0 / log2(i + 2);
            }
        }
        double ideal = 0;
        for (int i = 0; i < Math.min(k, relevant.size()); i++) {
            ideal += 1.0 / log2(i + 2);
        }
        return ideal == 0 ? 0 : dcg / ideal;
    }

    public static double recallAt(int k, List<String> ranked, Set<String> relevant) {
        long found = ranked.stream().limit(k).filter(relevant::contains).count();
        return relevant.isEmpty() ? 0 : (double) found / relevant.size();
    }

    public static double mrrAt(int k, List<String> ranked, Set<String> relevant) {
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (relevant.contains(ranked.get(i))) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    /** The p-th percentile (nearest rank) of durations in nanoseconds, in milliseconds. */
    public static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /** Two decimals, for reports. */
    public static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
