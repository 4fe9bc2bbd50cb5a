package dev.lore.retrieval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A convex combination of min-max normalised scores (as analysed by Bruch et al. 2023, "An Analysis of Fusion
 * Functions for Hybrid Retrieval"): each list's scores are scaled to [0, 1] by that list's own least and greatest,
 * and a chunk's fused score is (1 - w) x its dense score + w x its lexical score, a list it is absent from adding
 * nothing. Unlike {@link ReciprocalRankFusion} it keeps how far apart a list's candidates are, which is where it gains
 * (`bench/fusion.sh`); a list whose scores are all equal counts each of its candidates fully. A dozen lines over
 * Lore's own candidate lists, which no retrieval library here exposes in this shape.
 */
final class ScoreFusion {

    private ScoreFusion() {
    }

    static List<SearchQueries.Candidate> fuse(double lexicalWeight, List<SearchQueries.Candidate> dense,
            List<SearchQueries.Candidate> lexical) {
        Map<UUID, Double> scores = new LinkedHashMap<>();
        add(dense, 1 - lexicalWeight, scores);
        add(lexical, lexicalWeight, scores);
        return ReciprocalRankFusion.ranked(scores);
    }

    private static void add(List<SearchQueries.Candidate> list, double weight, Map<UUID, Double> scores) {
        if (weight == 0 || list.isEmpty()) {
            return;
        }
        double min = list.stream().mapToDouble(SearchQueries.Candidate::score).min().orElseThrow();
        double max = list.stream().mapToDouble(SearchQueries.Candidate::score).max().orElseThrow();
        for (SearchQueries.Candidate candidate : list) {
            double normalised = max == min ? 1 : (candidate.score() - min) / (max - min);
            scores.merge(candidate.chunkId(), weight * normalised, Double::sum);
        }
    }
}
