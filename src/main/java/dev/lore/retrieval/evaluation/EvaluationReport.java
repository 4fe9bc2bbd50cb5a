package dev.lore.retrieval.evaluation;

import java.util.List;
import java.util.Locale;

/**
 * Quality and latency per search configuration over one set of labelled questions, with a Markdown table; the
 * configurations that could not run here (a reranker or generator that is not configured) are listed with why.
 */
public record EvaluationReport(String collection, int questions, List<Row> configurations,
        List<Unavailable> unavailable) {

    public EvaluationReport(String collection, int questions, List<Row> configurations) {
        this(collection, questions, configurations, List.of());
    }

    /** A configuration that did not run, and why. */
    public record Unavailable(String name, String reason) {
    }

    /** One configuration's averages over all questions. */
    public record Row(String name, String mode, boolean hyde, String rerank, double ndcgAt10, double recallAt10,
            double recallAt100, double mrrAt10, double p50Ms, double p95Ms) {
    }

    public String markdown() {
        StringBuilder table = new StringBuilder()
                .append("| configuration | nDCG@10 | Recall@10 | Recall@100 | MRR@10 | p50 ms | p95 ms |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Row row : configurations) {
            table.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f |%n", row.name(),
                    row.ndcgAt10(), row.recallAt10(), row.recallAt100(), row.mrrAt10(), row.p50Ms(), row.p95Ms()));
        }
        for (Unavailable skipped : unavailable) {
            table.append("| ").append(skipped.name()).append(" | not run: ").append(skipped.reason())
                    .append(" | | | | | |\n");
        }
        return table.toString();
    }
}
