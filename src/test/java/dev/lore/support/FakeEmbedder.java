package dev.lore.support;

import java.util.List;
import java.util.function.Function;

import dev.lore.models.Embedder;

/**
 * An embedder for tests: each text's vector made by a function (documents and queries may be made differently, as
 * models that prefix them do), {@code onCall} run once per call, a batch or a query, before it answers (to count
 * calls, or hold one), and no tokenizer.
 */
public record FakeEmbedder(String name, int dimension, Function<String, float[]> document,
        Function<String, float[]> query, Runnable onCall) implements Embedder {

    /** Documents and queries embedded alike by {@code vector}. */
    public static FakeEmbedder of(String name, int dimension, Function<String, float[]> vector) {
        return new FakeEmbedder(name, dimension, vector, vector, () -> { });
    }

    /** This embedder, running {@code onCall} once per call before it answers. */
    public FakeEmbedder onCall(Runnable onCall) {
        return new FakeEmbedder(name, dimension, document, query, onCall);
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        onCall.run();
        return texts.stream().map(document).toList();
    }

    @Override
    public float[] embedQuery(String text) {
        onCall.run();
        return query.apply(text);
    }

    @Override
    public int[] tokenStarts(String text) {
        return new int[0];
    }
}
