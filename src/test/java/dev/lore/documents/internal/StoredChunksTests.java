package dev.lore.documents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StoredChunksTests {

    @Test
    void aCutSectionsChunksJoinWithoutTheOverlapAndSoftWrapsJoin() {
        ParsedDocument document = StoredChunks.reassemble("Handbook", List.of(
                new StoredChunks.Stored(1, "Leave > Vacation", "Second sentence\nwraps here.\n\nThird one."),
                new StoredChunks.Stored(0, "Leave > Vacation", "First paragraph.\n\nSecond sentence\nwraps here."),
                new StoredChunks.Stored(2, "Laptops", "Ask IT:\n- a charger\n- a bag")));

        assertThat(document.title()).isEqualTo("Handbook");
        assertThat(document.sections()).containsExactly(
                new Section(List.of("Leave", "Vacation"),
                        List.of("First paragraph.", "Second sentence wraps here.", "Third one.")),
                new Section(List.of("Laptops"), List.of("Ask IT:\n- a charger\n- a bag")));
    }
}
