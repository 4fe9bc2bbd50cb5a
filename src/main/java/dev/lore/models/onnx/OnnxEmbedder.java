package dev.lore.models.onnx;

import java.util.List;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.lore.models.Embedder;

/** An embedding model run in-process by ONNX Runtime, through LangChain4j's packaged models. */
final class OnnxEmbedder implements Embedder {

    private final String name;
    private final EmbeddingModel model;
    private final OnnxDevice device;
    private final ModelTokenizer tokenizer;
    private final String queryPrefix;
    private final String documentPrefix;
    private volatile boolean matryoshka;

    OnnxEmbedder(String name, EmbeddingModel model, OnnxDevice device, ModelTokenizer tokenizer, String queryPrefix,
            String documentPrefix) {
        this.name = name;
        this.model = model;
        this.device = device;
        this.tokenizer = tokenizer;
        this.queryPrefix = queryPrefix;
        this.documentPrefix = documentPrefix;
    }

    @Override
    public String name() {
        return name;
    }

    OnnxDevice device() {
        return device;
    }

    @Override
    public boolean onGpu() {
        return device == OnnxDevice.CUDA;
    }

    void markMatryoshka(boolean matryoshka) {
        this.matryoshka = matryoshka;
    }

    @Override
    public boolean matryoshka() {
        return matryoshka;
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        List<TextSegment> segments = texts.stream().map(t -> TextSegment.from(documentPrefix + t)).toList();
        return model.embedAll(segments).content().stream().map(Embedding::vector).toList();
    }

    @Override
    public float[] embedQuery(String text) {
        return model.embed(queryPrefix + text).content().vector();
    }

    @Override
    public int[] tokenStarts(String text) {
        return tokenizer.tokenStarts(text);
    }
}
