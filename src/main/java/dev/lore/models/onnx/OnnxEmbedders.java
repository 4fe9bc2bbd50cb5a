package dev.lore.models.onnx;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.lore.models.Embedder;

/** Factory of the in-process embedders that ship inside Maven jars. */
public final class OnnxEmbedders {

    private OnnxEmbedders() {
    }

    /** Builds an in-process embedder by name; also used by the benchmarks to compare models in one run. */
    public static Embedder create(String name) {
        // one worker per core: LangChain4j embeds the texts of a batch concurrently on this executor
        Executor executor = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread thread = new Thread(r, "onnx-embed");
            thread.setDaemon(true);
            return thread;
        });
        EmbeddingModel model = switch (name) {
            case "all-minilm-l6-v2-q" -> new AllMiniLmL6V2QuantizedEmbeddingModel(executor);
            case "all-minilm-l6-v2" -> new AllMiniLmL6V2EmbeddingModel(executor);
            default -> throw new IllegalArgumentException(
                    "Unknown lore.models.embedder '" + name + "' (expected all-minilm-l6-v2-q or all-minilm-l6-v2)");
        };
        return new OnnxEmbedder(name, model, ModelTokenizer.fromClasspath(name + "-tokenizer.json"), "", "");
    }
}
