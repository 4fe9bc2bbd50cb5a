package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reciprocal rank fusion (Cormack et al. 2009): score(d) = sum over lists of 1 / (k + rank of d), ranks from 1. */
final class ReciprocalRankFusion {

    private ReciprocalRankFusion() {
    }

    static List<SearchQueries.Candidate> fuse(int k, List<List<SearchQueries.Candidate>> lists) {
        Map<UUID, Double> scores = new LinkedHashMap<>();
        for (List<SearchQueries.Candidate> list : lists) {
            for (int rank = 1; rank <= list.size(); rank++) {
                scores.merge(list.get(rank - 1).chunkId(), 1.0 / (k + rank), Double::sum);
            }
        }
        return ranked(scores);
    }

    /** Fused scores as candidates, best first; equal scores keep the order they were first met in. */
    static List<SearchQueries.Candidate> ranked(Map<UUID, Double> scores) {
        List<SearchQueries.Candidate> fused = new ArrayList<>();
        scores.forEach((id, score) -> fused.add(new SearchQueries.Candidate(id, score)));
        fused.sort(Comparator.comparingDouble(SearchQueries.Candidate::score).reversed());
        return fused;
    }
}
