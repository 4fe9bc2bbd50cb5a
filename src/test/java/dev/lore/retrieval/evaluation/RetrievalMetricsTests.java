package dev.lore.retrieval.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RetrievalMetricsTests {

    @Test
    void computeTrecEvalsBinaryMeasures() {
        List<String> ranked = List.of("a", "x", "b", "y");
        Set<String> relevant = Set.of("a", "b", "c");
        double dcg = 1 + 1 / (Math.log(4) / Math.log(2));
        double ideal = 1 + 1 / (Math.log(3) / Math.log(2)) + 1 / (Math.log(4) / Math.log(2));
        assertThat(RetrievalMetrics.ndcgAt(10, ranked, relevant)).isCloseTo(dcg / ideal, offset(1e-12));
        assertThat(RetrievalMetrics.ndcgAt(1, ranked, relevant)).isEqualTo(1.0);
        assertThat(RetrievalMetrics.recallAt(2, ranked, relevant)).isCloseTo(1 / 3.0, offset(1e-12));
        assertThat(RetrievalMetrics.recallAt(10, ranked, relevant)).isCloseTo(2 / 3.0, offset(1e-12));
        assertThat(RetrievalMetrics.mrrAt(10, List.of("x", "y", "b"), relevant)).isCloseTo(1 / 3.0, offset(1e-12));
        assertThat(RetrievalMetrics.mrrAt(2, List.of("x", "y", "b"), relevant)).isZero();
        assertThat(RetrievalMetrics.percentile(new long[] { 4_000_000, 1_000_000, 3_000_000, 2_000_000 }, 50))
                .isEqualTo(2.0);
    }
}
