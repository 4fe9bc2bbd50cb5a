package dev.lore.models.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.lore.models.Embedder;

/** Factory of the in-process embedders that ship inside Maven jars. */
public final class OnnxEmbedders {

    private static final int DIMENSION = 384;

    /**
     * A model packaged in one of LangChain4j's jars ({@code <name>.onnx} and {@code <name>-tokenizer.json} on the
     * classpath): how its vectors are pooled and the prefixes it was trained with for queries and passages.
     */
    private record Model(PoolingMode pooling, String queryPrefix, String documentPrefix) {
    }

    private static final java.util.Map<String, Model> MODELS = new java.util.LinkedHashMap<>();

    static {
        MODELS.put("all-minilm-l6-v2-q", new Model(PoolingMode.MEAN, "", ""));
        MODELS.put("all-minilm-l6-v2", new Model(PoolingMode.MEAN, "", ""));
        // BGE v1.5 finds passages for queries given with this instruction; passages go bare
        MODELS.put("bge-small-en-v1.5-q", new Model(PoolingMode.CLS,
                "Represent this sentence for searching relevant passages: ", ""));
        // e5 expects every input marked as a query or a passage
        MODELS.put("e5-small-v2-q", new Model(PoolingMode.MEAN, "query: ", "passage: "));
    }

    /** The embedding models that ship inside the jar. */
    public static final java.util.List<String> NAMES = java.util.List.copyOf(MODELS.keySet());

    private OnnxEmbedders() {
    }

    /** Builds an in-process embedder by name, on the CPU; also used by the benchmarks to compare models in one run. */
    public static Embedder create(String name) {
        return create(name, OnnxProperties.cpu());
    }

    static OnnxEmbedder create(String name, OnnxProperties onnx) {
        Model packaged = MODELS.get(name);
        if (packaged == null) {
            throw new IllegalArgumentException("Unknown lore.models.embedder '" + name + "' (expected one of "
                    + String.join(", ", NAMES) + ")");
        }
        // One worker per core: LangChain4j embeds the texts of a batch concurrently on this executor, each run on
        // one ONNX Runtime thread. LangChain4j's packaged model classes open their sessions with ONNX Runtime's
        // default threads, one pool per session on top of these workers, which oversubscribes the cores and
        // embedded markedly fewer texts a second (bench/onnx-threads.sh measures it), so Lore opens the packaged
        // files itself. A lone query embeds on one thread too, without a measurable cost in dense latency.
        Executor executor = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread thread = new Thread(r, "onnx-embed");
            thread.setDaemon(true);
            return thread;
        });
        ModelTokenizer tokenizer = ModelTokenizer.fromClasspath(name + "-tokenizer.json");
        byte[] onnxModel = resource(name + ".onnx");
        try (InputStream tokenizerJson = OnnxEmbedders.class.getClassLoader().getResourceAsStream(name + "-tokenizer.json")) {
            OnnxSessions.Opened opened = OnnxSessions.open(name,
                    (environment, options) -> environment.createSession(onnxModel, options), onnx, 1);
            OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(OrtEnvironment.getEnvironment(), opened.session(),
                    tokenizerJson, packaged.pooling());
            return new OnnxEmbedder(name, new SessionEmbeddingModel(encoder, DIMENSION, executor), opened.device(),
                    tokenizer, packaged.queryPrefix(), packaged.documentPrefix());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the embedding model " + name, e);
        }
    }

    /**
     * Token offsets by the WordPiece tokenizer of the default model, for embedders whose own tokenizer Lore does not
     * have (remote ones): chunk sizes are then an estimate, close for BERT-like vocabularies.
     */
    public static java.util.function.Function<String, int[]> approximateTokenStarts() {
        ModelTokenizer tokenizer = ModelTokenizer.fromClasspath("all-minilm-l6-v2-q-tokenizer.json");
        return tokenizer::tokenStarts;
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
