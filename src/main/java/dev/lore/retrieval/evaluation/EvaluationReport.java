package dev.lore.retrieval.evaluation;

import java.util.List;
import java.util.Locale;

/** Quality and latency per search configuration over one set of labelled questions, with a Markdown table. */
public record EvaluationReport(String collection, int questions, List<Row> configurations) {

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
        return table.toString();
    }
}
