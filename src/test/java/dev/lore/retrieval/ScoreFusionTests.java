package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** Hybrid search's score fusion: each list min-max normalised, weighted, summed; absent means nothing added. */
class ScoreFusionTests {

    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();
    private final UUID c = UUID.randomUUID();
    private final UUID d = UUID.randomUUID();

    @Test
    void weighsEachListsNormalisedScores() {
        List<SearchQueries.Candidate> dense = List.of(candidate(a, 0.9), candidate(b, 0.5), candidate(c, 0.1));
        List<SearchQueries.Candidate> lexical = List.of(candidate(c, 12), candidate(d, 6), candidate(a, 0));
        List<SearchQueries.Candidate> fused = ScoreFusion.fuse(0.6, dense, lexical);
        // dense normalised a 1, b 0.5, c 0; lexical c 1, d 0.5, a 0: c 0.6, a 0.4, d 0.3, b 0.2
        assertThat(fused).extracting(SearchQueries.Candidate::chunkId).containsExactly(c, a, d, b);
        double[] expected = { 0.6, 0.4, 0.3, 0.2 };
        for (int i = 0; i < expected.length; i++) {
            assertThat(fused.get(i).score()).isCloseTo(expected[i], within(1e-12));
        }
        // reciprocal rank fusion, which sees only ranks, puts a and c level ahead of b and d
        List<SearchQueries.Candidate> rrf = ReciprocalRankFusion.fuse(60, List.of(dense, lexical));
        assertThat(rrf.get(0).score()).isCloseTo(rrf.get(1).score(), within(1e-12));
    }

    @Test
    void aWeightOfZeroOrOneKeepsOneListsOrderAndEqualScoresCountFully() {
        List<SearchQueries.Candidate> dense = List.of(candidate(a, 0.9), candidate(b, 0.5));
        List<SearchQueries.Candidate> lexical = List.of(candidate(b, 3), candidate(c, 3));
        assertThat(ScoreFusion.fuse(0, dense, lexical)).extracting(SearchQueries.Candidate::chunkId)
                .containsExactly(a, b);
        assertThat(ScoreFusion.fuse(1, dense, lexical)).extracting(SearchQueries.Candidate::score)
                .containsExactly(1.0, 1.0);
        assertThat(ScoreFusion.fuse(0.5, dense, List.of())).extracting(SearchQueries.Candidate::chunkId)
                .containsExactly(a, b);
    }

    private static SearchQueries.Candidate candidate(UUID id, double score) {
        return new SearchQueries.Candidate(id, score);
    }
}
