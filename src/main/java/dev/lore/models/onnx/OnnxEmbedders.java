package dev.lore.models.onnx;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import dev.lore.models.Embedder;

/** Factory of the in-process embedders that ship inside Maven jars. */
public final class OnnxEmbedders {

    /** The embedding models that ship inside the jar. */
    public static final java.util.List<String> NAMES = java.util.List.of("all-minilm-l6-v2-q", "all-minilm-l6-v2",
            "bge-small-en-v1.5-q", "e5-small-v2-q");

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
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("Unknown lore.models.embedder '" + name + "' (expected one of "
                    + String.join(", ", NAMES) + ")");
        }
        ModelTokenizer tokenizer = ModelTokenizer.fromClasspath(name + "-tokenizer.json");
        return switch (name) {
            case "all-minilm-l6-v2-q" ->
                new OnnxEmbedder(name, new AllMiniLmL6V2QuantizedEmbeddingModel(executor), tokenizer, "", "");
            case "all-minilm-l6-v2" -> new OnnxEmbedder(name, new AllMiniLmL6V2EmbeddingModel(executor), tokenizer, "", "");
            // BGE v1.5 was trained to find passages for queries given with this instruction; passages go bare
            case "bge-small-en-v1.5-q" -> new OnnxEmbedder(name, new BgeSmallEnV15QuantizedEmbeddingModel(executor),
                    tokenizer, "Represent this sentence for searching relevant passages: ", "");
            // e5 expects every input marked as a query or a passage
            case "e5-small-v2-q" -> new OnnxEmbedder(name, new E5SmallV2QuantizedEmbeddingModel(executor), tokenizer,
                    "query: ", "passage: ");
            default -> throw new IllegalStateException("no constructor for embedder " + name);
        };
    }
}
