package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;

/** Reference-copy decoding proposes spans of the text so far and never changes what greedy decoding produces. */
class ReferenceCopyTests {

    @TempDir
    Path scratch;

    @Test
    void theDraftIsWhatFollowedTheLatestEarlierOccurrenceOfTheLastTokens() {
        int[] sequence = { 1, 2, 3, 4, 5, 9, 1, 2, 3, 6, 7, 8, 1, 2, 3 };
        assertThat(LlamaEngine.lookup(sequence, sequence.length, 2)).containsExactly(6, 7);
        assertThat(LlamaEngine.lookup(sequence, sequence.length, 10)).containsExactly(6, 7, 8, 1, 2, 3);
        assertThat(LlamaEngine.lookup(sequence, 9, 3)).containsExactly(4, 5, 9);
        assertThat(LlamaEngine.lookup(new int[] { 1, 2, 3, 4 }, 4, 5)).isEmpty();
        assertThat(LlamaEngine.lookup(sequence, sequence.length, 0)).isEmpty();
    }

    @Test
    void greedyOutputIsIdenticalWithAndWithoutDraftsOnAHundredPrompts() throws Exception {
        Path gguf = TinyGguf.write(scratch.resolve("tiny.gguf"), 42, null);
        LocalProperties properties = LocalProperties.of(gguf).withContextSize(512).withThreads(1)
            .withPool(1, 0, Duration.ofSeconds(30));
        int drafted = 0;
        int accepted = 0;
        try (LocalGenerator plain = LocalGenerator.open(properties.withReferenceCopyTokens(0));
                LocalGenerator copying = LocalGenerator.open(properties.withReferenceCopyTokens(8))) {
            for (int i = 0; i < 110; i++) {
                List<ChatMessage> prompt = List.of(ChatMessage.system("Answer from the source and quote it."),
                        ChatMessage.user("Source [1]: the quick brown fox " + i + " jumps over the lazy dog; "
                                + "the fox is quick and the dog is lazy. Question " + i + ": what does the fox do?"));
                LlamaEngine.Sampling greedy = new LlamaEngine.Sampling(0, 1, 1, 48, List.of(), 2, true);
                LlamaEngine.Sampled without = generate(plain, prompt, greedy);
                LlamaEngine.Sampled with = generate(copying, prompt, greedy.withDraftTokens(8));
                assertThat(with.tokenIds()).as("prompt %d", i).containsExactly(without.tokenIds());
                assertThat(with.text()).isEqualTo(without.text());
                assertThat(with.finishReason()).isEqualTo(without.finishReason());
                for (int t = 0; t < with.logprobs().size(); t++) {
                    assertThat(with.logprobs().get(t).token()).isEqualTo(without.logprobs().get(t).token());
                }
                assertThat(without.drafted()).isZero();
                drafted += with.drafted();
                accepted += with.accepted();
            }
        }
        assertThat(drafted).as("drafts proposed").isPositive();
        assertThat(accepted).as("drafts accepted").isPositive().isLessThanOrEqualTo(drafted);
    }

    private static LlamaEngine.Sampled generate(LocalGenerator generator, List<ChatMessage> prompt,
            LlamaEngine.Sampling sampling) {
        LlamaEngine engine = generator.engine();
        int[] tokens = generator.promptTokens(prompt);
        LlamaEngine.Slot slot = engine.acquire();
        try {
            return engine.generate(slot, tokens, sampling, text -> {
            }, Cancellation.none());
        }
        finally {
            engine.release(slot);
        }
    }
}
