package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JoinOverlappingTests {

    @Test
    void theWordsANeighbourRepeatsFromTheTextsEndAreNotRepeated() {
        assertThat(Retriever.joinOverlapping("First paragraph.\n\nSecond paragraph ends here.",
                "Second paragraph ends here.\n\nThird paragraph."))
                .isEqualTo("First paragraph.\n\nSecond paragraph ends here.\n\nThird paragraph.");
    }

    @Test
    void anOverlapShorterThanTwentyCharactersIsNoOverlap() {
        assertThat(Retriever.joinOverlapping("One. Two.", "Two. Three.")).isEqualTo("One. Two.\n\nTwo. Three.");
    }

    @Test
    void theFirstPieceIsTakenAsItIs() {
        assertThat(Retriever.joinOverlapping("", "Only piece.")).isEqualTo("Only piece.");
    }
}
