package dev.lore.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.lore.models.Embedder;

class OnnxEmbeddersTests {

    private static final Embedder EMBEDDER = OnnxEmbedders.create("all-minilm-l6-v2-q");

    @Test
    void embedsUnitVectorsWhereRelatedTextsAreCloser() {
        List<float[]> vectors = EMBEDDER.embedDocuments(List.of("Employees earn annual leave every pay period.",
                "Staff accrue vacation days each pay cycle.", "The laptop battery needs replacing."));
        assertThat(vectors).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(384);
            assertThat(dot(v, v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        });
        assertThat(dot(vectors.get(0), vectors.get(1))).isGreaterThan(dot(vectors.get(0), vectors.get(2)) + 0.2);
        assertThat(dot(EMBEDDER.embedQuery("how many vacation days"), vectors.get(1)))
                .isGreaterThan(dot(EMBEDDER.embedQuery("how many vacation days"), vectors.get(2)));
    }

    @Test
    void tokenStartsAreTheModelsWordPiecesInOrder() {
        String text = "Lore ingests unbelievably long documents.";
        int[] starts = EMBEDDER.tokenStarts(text);
        assertThat(starts[0]).isZero();
        assertThat(starts).isSorted().doesNotHaveDuplicates();
        assertThat(starts.length).as("word pieces split rare words").isGreaterThan(text.split(" ").length + 1);
        assertThat(starts).contains(text.indexOf("long"), text.indexOf("documents"), text.indexOf('.'));
        assertThat(EMBEDDER.tokenStarts("")).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = { "bge-small-en-v1.5-q", "e5-small-v2-q" })
    void theOtherShippedModelsFindPassagesForQueriesWithTheirOwnInstructions(String name) {
        Embedder embedder = OnnxEmbedders.create(name);
        assertThat(embedder.name()).isEqualTo(name);
        assertThat(embedder.dimension()).isEqualTo(384);
        List<float[]> passages = embedder.embedDocuments(List.of("Staff accrue vacation days each pay cycle.",
                "The laptop battery needs replacing."));
        float[] query = embedder.embedQuery("how many vacation days do I get");
        assertThat(dot(query, query)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(dot(query, passages.get(0))).isGreaterThan(dot(query, passages.get(1)));
        float[] asPassage = embedder.embedDocuments(List.of("how many vacation days do I get")).get(0);
        assertThat(dot(query, asPassage)).as("queries carry the model's query instruction").isLessThan(0.999);
        assertThat(embedder.tokenStarts("vacation days")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void embedsAlikeWhenCudaIsAskedForAndFallsBackToTheCpuWithoutIt() {
        OnnxEmbedder onCuda = OnnxEmbedders.create("all-minilm-l6-v2-q", new OnnxProperties(OnnxDevice.CUDA, 0));
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            assertThat(onCuda.device()).as("a build without -Pgpu runs on the CPU").isEqualTo(OnnxDevice.CPU);
        }
        // the GPU's own kernels (TF32 matrix products among them) round differently from the CPU's
        float tolerance = onCuda.device() == OnnxDevice.CUDA ? 2e-3f : 1e-5f;
        assertThat(onCuda.dimension()).isEqualTo(384);
        List<String> texts = List.of("Staff accrue vacation days each pay cycle.", "The laptop battery needs replacing.");
        List<float[]> expected = EMBEDDER.embedDocuments(texts);
        List<float[]> actual = onCuda.embedDocuments(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(actual.get(i)).containsExactly(expected.get(i), org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = { "all-minilm-l6-v2-q", "bge-small-en-v1.5-q" })
    void opensThePackagedModelsToTheSameVectorsAsLangChain4jsOwnClasses(String name) {
        EmbeddingModel packaged = name.startsWith("bge") ? new BgeSmallEnV15QuantizedEmbeddingModel()
                : new AllMiniLmL6V2QuantizedEmbeddingModel();
        Embedder lore = name.equals(EMBEDDER.name()) ? EMBEDDER : OnnxEmbedders.create(name);
        List<String> texts = List.of("Staff accrue vacation days each pay cycle.", "The laptop battery needs replacing.");
        List<float[]> actual = lore.embedDocuments(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(actual.get(i)).containsExactly(packaged.embed(texts.get(i)).content().vector(),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void refusesAnUnknownModel() {
        assertThatIllegalArgumentException().isThrownBy(() -> OnnxEmbedders.create("gpt-embedder"));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
