package dev.lore.models.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.lore.models.Embedder;

/** Factory of the in-process embedders that ship inside Maven jars. */
public final class OnnxEmbedders {

    private static final int DIMENSION = 384;

    private OnnxEmbedders() {
    }

    /** Builds an in-process embedder by name, on the CPU; also used by the benchmarks to compare models in one run. */
    public static Embedder create(String name) {
        return create(name, OnnxProperties.cpu());
    }

    static OnnxEmbedder create(String name, OnnxProperties onnx) {
        if (!name.equals("all-minilm-l6-v2-q") && !name.equals("all-minilm-l6-v2")) {
            throw new IllegalArgumentException(
                    "Unknown lore.models.embedder '" + name + "' (expected all-minilm-l6-v2-q or all-minilm-l6-v2)");
        }
        // one worker per core: LangChain4j embeds the texts of a batch concurrently on this executor
        Executor executor = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread thread = new Thread(r, "onnx-embed");
            thread.setDaemon(true);
            return thread;
        });
        ModelTokenizer tokenizer = ModelTokenizer.fromClasspath(name + "-tokenizer.json");
        if (onnx.device() == OnnxDevice.CPU) {
            EmbeddingModel model = name.equals("all-minilm-l6-v2-q") ? new AllMiniLmL6V2QuantizedEmbeddingModel(executor)
                    : new AllMiniLmL6V2EmbeddingModel(executor);
            return new OnnxEmbedder(name, model, OnnxDevice.CPU, tokenizer, "", "");
        }
        // LangChain4j's packaged models open their session without options; the same files, opened here, can run on CUDA
        byte[] onnxModel = resource(name + ".onnx");
        try (InputStream tokenizerJson = OnnxEmbedders.class.getClassLoader().getResourceAsStream(name + "-tokenizer.json")) {
            OnnxSessions.Opened opened = OnnxSessions.open(name,
                    (environment, options) -> environment.createSession(onnxModel, options), onnx);
            OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(OrtEnvironment.getEnvironment(), opened.session(),
                    tokenizerJson, PoolingMode.MEAN);
            return new OnnxEmbedder(name, new SessionEmbeddingModel(encoder, DIMENSION, executor), opened.device(),
                    tokenizer, "", "");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the embedding model " + name, e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = OnnxEmbedders.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Embedding model " + name + " is not on the classpath");
            }
            return in.readAllBytes();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
