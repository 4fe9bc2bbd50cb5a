package dev.lore.agents.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lore.models.Completion;
import dev.lore.models.FinishReason;

/** Reading ratings from answers whose numbers do not fit: such a rating is skipped, the others still read. */
class ImportanceRaterParseTests {

    @Test
    void aMemoryNumberTooLongForAnIntIsSkippedInJson() {
        Completion answer = new Completion("{\"ratings\":[{\"memory\":5555555555555555,\"rating\":5},"
                + "{\"memory\":2,\"rating\":7}]}", List.of(), FinishReason.STOP);

        assertThat(ImportanceRater.parse(answer)).containsOnlyKeys(2)
            .hasEntrySatisfying(2, rating -> assertThat(rating.value()).isEqualTo(7));
    }

    @Test
    void aMemoryNumberTooLongForAnIntIsSkippedInLines() {
        Completion answer = new Completion("99999999999: 4\n1: 3", List.of(), FinishReason.STOP);

        assertThat(ImportanceRater.parse(answer)).containsOnlyKeys(1)
            .hasEntrySatisfying(1, rating -> assertThat(rating.value()).isEqualTo(3));
    }
}
