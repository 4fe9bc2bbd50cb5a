package dev.lore.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Paging parameters out of range are 400 problems that name the parameter, the range, the setting and the value. */
class PagingTests {

    @Test
    void valuesInRangePassAndOthersSayWhatWasWrong() {
        assertThat(Paging.limit("limit", 1)).isEqualTo(1);
        assertThat(Paging.limit("k", Paging.MAX_LIMIT)).isEqualTo(Paging.MAX_LIMIT);
        assertThat(Paging.position("offset", 0, Integer.MAX_VALUE)).isZero();

        assertThatThrownBy(() -> Paging.limit("k", 1001)).isInstanceOfSatisfying(LoreException.class, e -> {
            assertThat(e.status().value()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo("k must be between 1 and 1000, was 1001");
        });
        assertThatThrownBy(() -> Paging.limit("limit", 0, 200, "lore.chat.max-page-size"))
                .hasMessage("limit must be between 1 and 200 (lore.chat.max-page-size), was 0");
        assertThatThrownBy(() -> Paging.position("offset", Integer.MAX_VALUE + 1L, Integer.MAX_VALUE))
                .hasMessage("offset must be between 0 and 2147483647, was 2147483648");
        assertThatThrownBy(() -> Paging.position("from", -1)).hasMessage("from must be 0 or more, was -1");
    }
}
