package dev.lore.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

import dev.lore.models.onnx.TinyCrossEncoder.Kind;

/** The cross-encoder runs real ONNX Runtime and tokenizer code on tiny models written by {@link TinyCrossEncoder}. */
class OnnxCrossEncoderTests {

    private static final String QUERY = "How many vacation days do employees earn?";
    private static final List<String> PASSAGES = List.of(
            "The laptop battery needs to be replaced.",
            "Employees earn annual leave: 25 vacation days.",
            "Vacation days.",
            "The office is closed on public holidays.",
            "How many? Employees earn vacation days, vacation days, vacation days.",
            "",
            "Battery policy");

    @TempDir
    static Path models;

    private static OnnxCrossEncoder raw;

    @BeforeAll
    static void loadRawLogitModel() {
        raw = load(TinyCrossEncoder.write(models.resolve("overlap"), Kind.OVERLAP_ONE_LOGIT), 512, 3, false);
    }

    @AfterAll
    static void close() {
        raw.close();
    }

    @Test
    void scoresEachPassageByItsPairThroughTheTokenizerAndOnnxRuntime() {
        List<Double> scores = raw.score(QUERY, PASSAGES);

        assertThat(scores).containsExactlyElementsOf(expectedOverlaps(QUERY, PASSAGES));
        assertThat(scores.get(1)).isEqualTo(4.0).isGreaterThan(scores.get(0)).isGreaterThan(scores.get(3));
        assertThat(scores.get(4)).as("repeated query words count again").isGreaterThan(scores.get(1));
        assertThat(raw.device()).isEqualTo(OnnxDevice.CPU);
        assertThat(raw.name()).isEqualTo("cross-encoder:overlap");
    }

    @Test
    void keepsInputOrderAcrossBatchBoundariesAndScoresAlikeWhateverTheBatchSize() {
        List<String> passages = IntStream.range(0, 11)
                .mapToObj(i -> "laptop ".repeat(i) + "vacation days ".repeat(i * 7 % 11)).toList();
        List<Double> expected = expectedOverlaps("vacation", passages);
        assertThat(expected).as("the test's passages differ in score").doesNotHaveDuplicates().hasSizeGreaterThan(4)
                .isNotEqualTo(expected.stream().sorted().toList());

        try (OnnxCrossEncoder one = load(models.resolve("overlap"), 512, 1, false);
                OnnxCrossEncoder all = load(models.resolve("overlap"), 512, 64, false)) {
            assertThat(raw.score("vacation", passages)).containsExactlyElementsOf(expected);
            assertThat(one.score("vacation", passages)).containsExactlyElementsOf(expected);
            assertThat(all.score("vacation", passages)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void appliesTheSigmoidToASingleLogitAndTheSoftmaxToTwo() {
        TinyCrossEncoder.write(models.resolve("two-logits"), Kind.OVERLAP_TWO_LOGITS);
        try (OnnxCrossEncoder single = load(models.resolve("overlap"), 512, 4, true);
                OnnxCrossEncoder pair = load(models.resolve("two-logits"), 512, 4, false)) {
            List<Double> expected = expectedOverlaps(QUERY, PASSAGES).stream().map(x -> 1 / (1 + Math.exp(-x))).toList();
            List<Double> singleScores = single.score(QUERY, PASSAGES);
            List<Double> pairScores = pair.score(QUERY, PASSAGES);
            for (int i = 0; i < PASSAGES.size(); i++) {
                assertThat(singleScores.get(i)).isCloseTo(expected.get(i), within(1e-6));
                assertThat(pairScores.get(i)).as("softmax of the positive class").isCloseTo(expected.get(i), within(1e-6));
            }
        }
    }

    @Test
    void feedsOnlyTheInputsTheModelDeclaresAndFindsOnnxModelOnnx() {
        Path dir = TinyCrossEncoder.write(models.resolve("vacations"), Kind.VACATION_COUNT);
        assertThat(dir.resolve("model.onnx")).doesNotExist();
        try (OnnxCrossEncoder counter = load(dir, 512, 2, false)) {
            assertThat(counter.score("vacation vacation", PASSAGES)).containsExactlyElementsOf(
                    PASSAGES.stream().map(p -> TinyCrossEncoder.vacations("vacation vacation", p)).toList());
        }
    }

    @Test
    void truncatesEachPairToMaxLengthTokens() {
        String passage = "office ".repeat(8) + "vacation";
        try (OnnxCrossEncoder shortPairs = load(models.resolve("overlap"), 8, 4, false)) {
            assertThat(raw.score("vacation", List.of(passage))).containsExactly(1.0);
            assertThat(shortPairs.score("vacation", List.of(passage, "vacation office")))
                    .as("[CLS] vacation [SEP] + 4 passage tokens + [SEP]: the last word is cut off")
                    .containsExactly(0.0, 1.0);
        }
    }

    @Test
    void scoresNothingForNoPassages() {
        assertThat(raw.score(QUERY, List.of())).isEmpty();
    }

    @Test
    void scoresConcurrentlyLikeSequentially() throws Exception {
        List<Double> expected = expectedOverlaps(QUERY, PASSAGES);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Double>>> runs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                runs.add(pool.submit(() -> raw.score(QUERY, PASSAGES)));
            }
            for (Future<List<Double>> run : runs) {
                assertThat(run.get()).containsExactlyElementsOf(expected);
            }
        }
        finally {
            pool.shutdown();
        }
    }

    @Test
    void refusesAMissingDirectoryOrFilesAtStartUp() throws IOException {
        Path missing = models.resolve("absent");
        assertThatIllegalStateException().isThrownBy(() -> load(missing, 512, 8, true))
                .withMessageContaining("lore.rerank.cross-encoder.model-dir").withMessageContaining(missing.toString());

        Path noModel = Files.createDirectories(models.resolve("no-model"));
        Files.writeString(noModel.resolve("tokenizer.json"), "{}");
        assertThatIllegalStateException().isThrownBy(() -> load(noModel, 512, 8, true))
                .withMessageContaining("neither model.onnx nor onnx/model.onnx");

        Path noTokenizer = TinyCrossEncoder.write(models.resolve("no-tokenizer"), Kind.OVERLAP_ONE_LOGIT);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertThatIllegalStateException().isThrownBy(() -> load(noTokenizer, 512, 8, true))
                .withMessageContaining("no tokenizer.json");

        Path notAModel = TinyCrossEncoder.write(models.resolve("not-a-model"), Kind.OVERLAP_ONE_LOGIT);
        Files.writeString(notAModel.resolve("model.onnx"), "not protobuf");
        assertThatIllegalStateException().isThrownBy(() -> load(notAModel, 512, 8, true))
                .withMessageContaining("ONNX Runtime cannot load");
    }

    @Test
    void scoresAlikeWhenCudaIsAskedForAndFallsBackToTheCpuWithoutIt() {
        try (OnnxCrossEncoder onCuda = OnnxCrossEncoder.load(
                new CrossEncoderProperties(models.resolve("overlap"), 512, 4, false),
                new OnnxProperties(OnnxDevice.CUDA, 0))) {
            if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                assertThat(onCuda.device()).as("a build without -Pgpu runs on the CPU").isEqualTo(OnnxDevice.CPU);
            }
            assertThat(onCuda.score(QUERY, PASSAGES)).containsExactlyElementsOf(expectedOverlaps(QUERY, PASSAGES));
        }
    }

    private static OnnxCrossEncoder load(Path dir, int maxLength, int batchSize, boolean sigmoid) {
        return OnnxCrossEncoder.load(new CrossEncoderProperties(dir, maxLength, batchSize, sigmoid), OnnxProperties.cpu());
    }

    private static List<Double> expectedOverlaps(String query, List<String> passages) {
        return passages.stream().map(p -> TinyCrossEncoder.overlap(query, p)).toList();
    }
}
