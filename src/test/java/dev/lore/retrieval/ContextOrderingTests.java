package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ContextOrderingTests {

    @Test
    void putsTheStrongestPassagesAtBothEndsAndTheWeakestInTheMiddle() {
        assertThat(ContextOrdering.lostInTheMiddle(List.of(1, 2, 3, 4, 5, 6, 7))).containsExactly(1, 3, 5, 7, 6, 4, 2);
        assertThat(ContextOrdering.lostInTheMiddle(List.of(1, 2))).containsExactly(1, 2);
        assertThat(ContextOrdering.lostInTheMiddle(List.of())).isEmpty();
    }
}
