package dev.lore.retrieval.hyde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.lore.models.Cancellation;
import dev.lore.models.Completion;
import dev.lore.models.Embedder;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.GeneratorRole;
import dev.lore.models.Generators;
import dev.lore.models.Usage;
import dev.lore.prompts.Prompts;
import dev.lore.prompts.PromptsProperties;
import dev.lore.retrieval.HydeSettings;
import dev.lore.support.FakeEmbedder;
import dev.lore.support.FakeGenerator;
import dev.lore.web.LoreException;

class HydeQueryEmbedderTests {

    /** The passages embedded, in order. */
    private final List<String> documents = new ArrayList<>();

    /**
     * Deterministic, distinct vectors per text, with queries and documents embedded differently (as e5 does); like
     * LangChain4j's ONNX models it refuses blank text.
     */
    private final Embedder embedder = new FakeEmbedder("hash", 8, text -> {
        if (text.trim().isEmpty()) {
            throw new IllegalArgumentException("Cannot embed empty or whitespace-only text");
        }
        documents.add(text);
        return hash("passage: " + text);
    }, text -> hash("query: " + text), () -> { });

    static float[] hash(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        float[] vector = new float[8];
        for (int i = 0; i < bytes.length; i++) {
            vector[i % 8] += (bytes[i] * (i + 1)) % 17;
        }
        return vector;
    }
    private final Prompts prompts = new Prompts(new PromptsProperties(null));
    private HydeQueryEmbedder hyde;

    private HydeQueryEmbedder hyde(Generator generator) {
        Generators generators = role -> role == GeneratorRole.GENERATOR ? Optional.ofNullable(generator)
                : Optional.empty();
        hyde = new HydeQueryEmbedder(generators, embedder, prompts,
                new HydeProperties(4, 0.7, 256, Duration.ofMinutes(10), 100, Map.of("science", "hyde-scientific")));
        return hyde;
    }

    @Test
    void averagesThePassagesWithTheQueryEmbeddingAsInThePaper() {
        FakeGenerator generator = new FakeGenerator(true, true);
        HydeEmbedding result = hyde(generator).embed(1, "handbook", "how many vacation days?",
                new HydeSettings(3, true, null));

        assertThat(result.passages()).hasSize(3).doesNotHaveDuplicates();
        assertThat(generator.requests()).hasSize(1);
        assertThat(generator.requests().get(0).options().n()).isEqualTo(3);
        assertThat(generator.requests().get(0).options().temperature()).isEqualTo(0.7);
        assertThat(FakeGenerator.lastUserTurn(generator.requests().get(0)))
                .startsWith("Please write a passage to answer the question.").contains("how many vacation days?");
        float[] expected = new float[8];
        List<float[]> parts = new ArrayList<>();
        parts.add(hash("query: how many vacation days?"));
        result.passages().forEach(passage -> parts.add(hash("passage: " + passage)));
        for (float[] part : parts) {
            for (int i = 0; i < 8; i++) {
                expected[i] += part[i] / 4f;
            }
        }
        assertThat(result.vector()).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(result.usage().completionTokens()).isPositive();
        assertThat(result.cached()).isFalse();
    }

    @Test
    void withoutTheQueryAveragesOnlyThePassages() {
        HydeEmbedding result = hyde(new FakeGenerator(true, true)).embed(1, "handbook", "parental leave",
                new HydeSettings(2, false, null));
        float[] a = hash("passage: " + result.passages().get(0));
        float[] b = hash("passage: " + result.passages().get(1));
        for (int i = 0; i < 8; i++) {
            assertThat(result.vector()[i]).isCloseTo((a[i] + b[i]) / 2, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void reusesACachedVectorForTheSameCollectionQueryAndSettings() {
        FakeGenerator generator = new FakeGenerator(true, true);
        HydeQueryEmbedder embedderUnderTest = hyde(generator);
        HydeEmbedding first = embedderUnderTest.embed(1, "handbook", "q", new HydeSettings(2, true, null));
        HydeEmbedding second = embedderUnderTest.embed(1, "handbook", "q", new HydeSettings(2, true, null));
        embedderUnderTest.embed(2, "other", "q", new HydeSettings(2, true, null));
        embedderUnderTest.embed(1, "handbook", "q", new HydeSettings(3, true, null));

        assertThat(second.cached()).isTrue();
        assertThat(second.vector()).isEqualTo(first.vector());
        assertThat(second.passages()).isEqualTo(first.passages());
        assertThat(generator.requests()).hasSize(3);
    }

    @Test
    void choosesTheCollectionsPromptAndLetsTheRequestOverrideIt() {
        FakeGenerator generator = new FakeGenerator(true, true);
        HydeQueryEmbedder embedderUnderTest = hyde(generator);
        assertThat(embedderUnderTest.embed(1, "science", "aspirin lowers risk", new HydeSettings(1, true, null))
                .prompt()).isEqualTo("hyde-scientific");
        assertThat(FakeGenerator.lastUserTurn(generator.requests().get(0))).contains("Claim: aspirin lowers risk");
        assertThat(embedderUnderTest.embed(1, "science", "x", new HydeSettings(1, true, "hyde")).prompt())
                .isEqualTo("hyde");
        assertThatThrownBy(() -> embedderUnderTest.embed(1, "science", "x", new HydeSettings(1, true, "hyde-absent")))
                .isInstanceOf(LoreException.class).hasMessageContaining("hyde-absent");
    }

    @Test
    void saysWhichPieceIsMissingWithoutAGenerator() {
        assertThatThrownBy(() -> hyde(null).embed(1, "handbook", "q", new HydeSettings(4, true, null)))
                .isInstanceOfSatisfying(LoreException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(400);
                    assertThat(e.type()).isEqualTo("generator-unavailable");
                    assertThat(e.getMessage()).contains("lore.generator");
                });
        assertThat(documents).isEmpty();
    }

    @Test
    void leavesPassagesWithoutWordsOutOfTheAverage() {
        QuietGenerator generator = new QuietGenerator("Employees earn 13 days of annual leave.", "\u0001 \n");
        HydeEmbedding result = hyde(generator).embed(1, "handbook", "vacation days", new HydeSettings(2, true, null));

        assertThat(result.passages()).containsExactly("Employees earn 13 days of annual leave.", "\u0001");
        assertThat(result.embeddedPassages()).isEqualTo(1);
        assertThat(documents).containsExactly("Employees earn 13 days of annual leave.");
        float[] passage = hash("passage: Employees earn 13 days of annual leave.");
        float[] query = hash("query: vacation days");
        for (int i = 0; i < 8; i++) {
            assertThat(result.vector()[i]).isCloseTo((passage[i] + query[i]) / 2,
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void aGeneratorThatWritesNothingFallsBackToTheQueryAndIsAskedAgainNextTime() {
        QuietGenerator generator = new QuietGenerator("", " ...");
        HydeQueryEmbedder embedderUnderTest = hyde(generator);
        HydeEmbedding result = embedderUnderTest.embed(1, "handbook", "vacation days",
                new HydeSettings(2, false, null));

        assertThat(result.embeddedPassages()).isZero();
        assertThat(result.vector()).containsExactly(hash("query: vacation days"));
        assertThat(documents).isEmpty();
        assertThat(embedderUnderTest.embed(1, "handbook", "vacation days", new HydeSettings(2, false, null))
                .cached()).as("an empty generation is not cached").isFalse();
        assertThat(generator.calls).isEqualTo(2);
    }

    /** A generator that writes the given passages whatever it is asked, as a small or broken model may. */
    private static final class QuietGenerator implements Generator {

        private final List<String> passages;
        int calls;

        QuietGenerator(String... passages) {
            this.passages = List.of(passages);
        }

        @Override
        public String name() {
            return "quiet:test";
        }

        @Override
        public GeneratorCapabilities capabilities() {
            return new GeneratorCapabilities(false, true, true, false, false);
        }

        @Override
        public Generation generate(GenerationRequest request) {
            calls++;
            return new Generation(name(), passages.stream()
                    .map(text -> new Completion(text, List.of(), FinishReason.STOP)).toList(), new Usage(10, 1));
        }

        @Override
        public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
            return generate(request);
        }
    }
}
