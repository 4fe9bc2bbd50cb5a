package dev.lore.models.onnx;

import java.util.concurrent.Executor;

import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;

/** One of LangChain4j's packaged embedding models run on an ONNX Runtime session that Lore opened with its own options. */
final class SessionEmbeddingModel extends AbstractInProcessEmbeddingModel {

    private final OnnxBertBiEncoder model;
    private final int dimension;

    SessionEmbeddingModel(OnnxBertBiEncoder model, int dimension, Executor executor) {
        super(executor);
        this.model = model;
        this.dimension = dimension;
    }

    @Override
    protected OnnxBertBiEncoder model() {
        return model;
    }

    @Override
    protected Integer knownDimension() {
        return dimension;
    }
}
