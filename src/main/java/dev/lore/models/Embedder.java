package dev.lore.models;

import java.util.List;

/** Turns text into unit-length vectors; queries and documents may be embedded differently (BGE, e5). */
public interface Embedder {

    /** A stable model name, recorded with every collection embedded by it. */
    String name();

    int dimension();

    List<float[]> embedDocuments(List<String> texts);

    float[] embedQuery(String text);

    /** Tokens the model sees for this text (its own tokenizer), used to size chunks. */
    int countTokens(String text);
}
