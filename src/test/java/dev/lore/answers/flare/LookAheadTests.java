package dev.lore.answers.flare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.TokenLogprob;

/** Where a look-ahead ends and what FLARE makes of its unsure tokens. */
class LookAheadTests {

    @Test
    void aLookAheadEndsAtTheFirstSentenceEndNotAtADecimalPoint() {
        LookAhead cut = LookAhead.cut(completion(FinishReason.LENGTH, "Version", " 2", ".", "5", " ships", ".",
                " Next"));

        assertThat(cut.text()).isEqualTo("Version 2.5 ships.");
        assertThat(cut.endOfText()).isFalse();
    }

    @Test
    void aLookAheadThatUsesEveryTokenEndsTheTextOnlyWhenTheModelStopped() {
        assertThat(LookAhead.cut(completion(FinishReason.STOP, "Done", ".")).endOfText()).isTrue();
        assertThat(LookAhead.cut(completion(FinishReason.LENGTH, "Not", " done")).endOfText()).isFalse();
        assertThat(LookAhead.cut(completion(FinishReason.LENGTH, "A", " list", "\n", "- b")).text())
                .isEqualTo("A list\n");
    }

    @Test
    void theMaskedQueryKeepsConfidentTokensWithoutMarkersAndSpansAreRunsOfUnsureTokens() {
        List<TokenLogprob> tokens = List.of(token(" Smith", .9), token(" won", .2), token(" in", .9),
                token(" 1998", .1), token(" and", .3), token(" [2]", .9), token(".", .9));

        assertThat(FlareDirect.masked(tokens, 0.4)).isEqualTo("Smith in .");
        assertThat(FlareDirect.spans(tokens, 0.5)).extracting(span -> span.size()).containsExactly(1, 2);
    }

    private static Completion completion(FinishReason finish, String... tokens) {
        return new Completion(String.join("", tokens), java.util.Arrays.stream(tokens).map(t -> token(t, .9))
                .toList(), finish);
    }

    private static TokenLogprob token(String text, double p) {
        return new TokenLogprob(text, Math.log(p), List.of());
    }
}
