package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChunkOverlapTests {

    @Test
    void onlyWholeUnitsCountAsOverlap() {
        assertThat(ChunkOverlap.withoutOverlap("One.\n\nTwo.", "Two.\n\nThree.")).isEqualTo("Three.");
        assertThat(ChunkOverlap.withoutOverlap("One.\n\nTwo. Three.", "Three.\n\nFour."))
                .as("a repeated sentence inside a paragraph is no unit").isEqualTo("Three.\n\nFour.");
        assertThat(ChunkOverlap.withoutOverlap("One.", "Two.\n\nThree.")).isEqualTo("Two.\n\nThree.");
        assertThat(ChunkOverlap.withoutOverlap("Two.", "Two.\n\nThree.")).as("the whole of the one before")
                .isEqualTo("Three.");
    }

    @Test
    void theLongestRepeatedRunOfUnitsIsTakenOut() {
        assertThat(ChunkOverlap.withoutOverlap("One.\n\nTwo.\n\nThree.", "Two.\n\nThree.\n\nFour."))
                .isEqualTo("Four.");
    }

    @Test
    void joiningPutsABlankLineBetweenAndDropsTheRepeat() {
        assertThat(ChunkOverlap.join("First paragraph.\n\nSecond paragraph ends here.",
                "Second paragraph ends here.\n\nThird paragraph."))
                .isEqualTo("First paragraph.\n\nSecond paragraph ends here.\n\nThird paragraph.");
        assertThat(ChunkOverlap.join("One. Two.", "Two. Three.")).isEqualTo("One. Two.\n\nTwo. Three.");
        assertThat(ChunkOverlap.join("", "Only piece.")).isEqualTo("Only piece.");
    }
}
