package dev.lore.retrieval.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.TokenLogprob;
import dev.lore.prompts.Prompts;
import dev.lore.prompts.PromptsProperties;
import dev.lore.support.FakeGenerator;

class LlmRerankerTests {

    private final Prompts prompts = new Prompts(new PromptsProperties(null));
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final RerankProperties properties = new RerankProperties(50, 4, 20, 10, 2000, 1000, 32000);

    @AfterEach
    void close() {
        executor.shutdownNow();
    }

    private LlmReranker reranker(FakeGenerator generator) {
        return new LlmReranker(generator, prompts.get("rerank-pointwise"), prompts.get("rerank-listwise"), properties,
                executor);
    }

    @Test
    void pointwiseScoreIsTheNormalisedProbabilityOfYes() {
        TokenLogprob first = new TokenLogprob(" Yes", Math.log(0.6), List.of(
                new TokenLogprob.Alternative(" Yes", Math.log(0.6)), new TokenLogprob.Alternative("yes", Math.log(0.1)),
                new TokenLogprob.Alternative(" No", Math.log(0.2)), new TokenLogprob.Alternative("Maybe", Math.log(0.1))));
        assertThat(LlmReranker.yesProbability(first)).isCloseTo(0.7 / 0.9, offset(1e-12));
        TokenLogprob neither = new TokenLogprob("Perhaps", -0.1, List.of());
        assertThat(LlmReranker.yesProbability(neither)).isZero();
    }

    @Test
    void pointwiseRanksByTheJudgementsWhenTheGeneratorHasLogprobs() {
        FakeGenerator generator = new FakeGenerator(true, false);
        List<String> passages = List.of("Trains are booked via the portal.", "Vacation days accrue every pay period.",
                "Employees earn vacation days and annual leave.");
        List<Double> scores = reranker(generator).score("how many vacation days do employees earn", passages);

        assertThat(scores).hasSize(3);
        for (int i = 0; i < passages.size(); i++) {
            double yes = 0.05 + 0.9 * FakeGenerator.overlap("how many vacation days do employees earn", passages.get(i));
            assertThat(scores.get(i)).isCloseTo(yes, offset(1e-9));
        }
        assertThat(scores.get(2)).isGreaterThan(scores.get(1)).isGreaterThan(scores.get(0));
        assertThat(generator.requests()).hasSize(3).allSatisfy(request -> {
            assertThat(request.options().logprobs()).isTrue();
            assertThat(request.options().maxTokens()).isEqualTo(1);
        });
        assertThat(reranker(generator).name()).startsWith("llm-pointwise:");
    }

    @Test
    void listwiseSlidesAWindowFromTheBottomUpWhenThereAreNoLogprobs() {
        FakeGenerator generator = new FakeGenerator(false, false);
        String query = "alpha beta gamma delta";
        List<String> words = List.of("alpha", "beta", "gamma", "delta");
        List<String> passages = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            passages.add("passage " + i + " " + String.join(" ", words.subList(0, i % 5)));
        }
        List<Double> scores = reranker(generator).score(query, passages);

        assertThat(generator.requests()).hasSize(4);
        assertThat(reranker(generator).name()).startsWith("llm-listwise:");
        List<Integer> byScore = IntStream.range(0, 45).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores.get(i))).toList();
        List<Integer> top = byScore.subList(0, 9);
        assertThat(top).allSatisfy(i -> assertThat(i % 5).isEqualTo(4));
        assertThat(scores).doesNotHaveDuplicates().allSatisfy(score -> assertThat(score).isBetween(0.0, 1.0));
    }

    @Test
    void listwiseAsksASchemaHoldingGeneratorForItsSchemaAndReadsTheJsonRanking() {
        List<GenerationRequest> requests = new ArrayList<>();
        Generator structured = new Generator() {

            @Override
            public String name() {
                return "structured";
            }

            @Override
            public GeneratorCapabilities capabilities() {
                return new GeneratorCapabilities(false, false, false, false, false, true);
            }

            @Override
            public Generation generate(GenerationRequest request) {
                requests.add(request);
                return new Generation("structured", List.of(new Completion("{\"ranking\":[\"[3]\",\"[1]\",\"[2]\"]}",
                        List.of(), FinishReason.STOP)), null);
            }

            @Override
            public Generation stream(GenerationRequest request, java.util.function.Consumer<String> onToken,
                    dev.lore.models.Cancellation cancellation) {
                return generate(request);
            }
        };
        List<Double> scores = new LlmReranker(structured, prompts.get("rerank-pointwise"),
                prompts.get("rerank-listwise"), properties, executor).score("q", List.of("a", "b", "c"));

        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).schema().name()).isEqualTo("rerank-listwise");
        assertThat(requests.get(0).schema().json()).contains("\"ranking\"");
        assertThat(scores.get(2)).isGreaterThan(scores.get(0));
        assertThat(scores.get(0)).isGreaterThan(scores.get(1));
    }

    @Test
    void aMalformedRankingKeepsEveryPassageOnce() {
        assertThat(LlmReranker.permutation("[3] > [3] > [9] > [1] > [99999999999999]", 4))
                .containsExactly(2, 0, 1, 3);
        assertThat(LlmReranker.permutation("I cannot rank these.", 3)).containsExactly(0, 1, 2);
    }
}
