package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How generated token bytes become streamed text. */
class TextSinkTests {

    @Test
    void aCharacterSplitAcrossTokensIsEmittedWhole() {
        List<String> pieces = new ArrayList<>();
        TextSink sink = new TextSink(List.of(), pieces::add);
        byte[] llama = "\uD83E\uDD99!".getBytes(StandardCharsets.UTF_8);
        for (byte b : llama) {
            assertThat(sink.append(new byte[] { b })).isFalse();
        }
        assertThat(sink.finish()).isEqualTo("\uD83E\uDD99!");
        assertThat(pieces).containsExactly("\uD83E\uDD99", "!");
    }

    @Test
    void aStopStringAcrossTokensCutsTheTextBeforeIt() {
        StringBuilder streamed = new StringBuilder();
        TextSink sink = new TextSink(List.of("END"), streamed::append);
        assertThat(sink.append("abcE".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(sink.append("N".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(sink.append("Dxyz".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(sink.finish()).isEqualTo("abc");
        assertThat(streamed).hasToString("abc");
    }

    @Test
    void theCostPerTokenDoesNotGrowWithTheText() {
        // re-decoding every byte so far on each token made 200k tokens cost ~20 billion byte steps
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            StringBuilder streamed = new StringBuilder();
            TextSink sink = new TextSink(List.of("never appears"), streamed::append);
            byte[] piece = "\u00E9".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 200_000; i++) {
                sink.append(new byte[] { piece[i % 2] });
            }
            assertThat(sink.finish()).hasSize(100_000);
        });
    }
}
