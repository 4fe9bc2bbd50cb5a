package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.TokenLogprob;

/** Each architecture {@link TinyGguf} writes loads, generates, scores and returns logprobs through the engine. */
class ArchitecturesTests {

    private static final GenerationOptions GREEDY = GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(10)
        .withLogprobs(3);

    @TempDir
    Path scratch;

    @ParameterizedTest
    @EnumSource(TinyGguf.Architecture.class)
    void loadsGeneratesScoresAndReturnsLogprobs(TinyGguf.Architecture architecture) throws Exception {
        Path gguf = TinyGguf.write(scratch.resolve(architecture.gguf + ".gguf"), 5, TinyGguf.CHATML, architecture);
        LocalProperties properties = LocalProperties.of(gguf).withContextSize(256).withThreads(1)
            .withPool(1, 0, Duration.ofSeconds(30));
        try (LocalGenerator generator = LocalGenerator.open(properties)) {
            assertThat(generator.engine().description()).startsWith(architecture.gguf.equals("gemma3") ? "gemma3"
                    : architecture.gguf);
            GenerationRequest request = GenerationRequest.of("Tell me about lore.", GREEDY);
            LlamaEngine.Sampled sampled = generator.sampleOne(request, text -> {
            }, Cancellation.none());
            assertThat(sampled.tokenIds()).isNotEmpty();
            assertThat(sampled.logprobs()).hasSameSizeAs(sampled.tokenIds());
            for (TokenLogprob token : sampled.logprobs()) {
                assertThat(token.logprob()).isFinite().isLessThanOrEqualTo(0);
                assertThat(token.top()).hasSize(3);
                // greedy decoding picks the most likely token, so its logprob is the top alternative's
                assertThat(token.logprob()).isCloseTo(token.top().get(0).logprob(), within(1e-5));
            }
            List<TokenLogprob> scored = generator.scoreTokens(generator.promptTokens(request.messages()),
                    sampled.tokenIds(), 3);
            for (int i = 0; i < scored.size(); i++) {
                assertThat(scored.get(i).logprob()).isCloseTo(sampled.logprobs().get(i).logprob(), within(1e-3));
            }
            Completion again = generator.generate(request).first();
            assertThat(again.text()).isEqualTo(sampled.text());
            List<TokenLogprob> text = generator.score(List.of(ChatMessage.user("Say hi.")), "Hi there!", 2);
            assertThat(text).isNotEmpty().allSatisfy(token -> assertThat(token.logprob()).isFinite());
        }
    }
}
