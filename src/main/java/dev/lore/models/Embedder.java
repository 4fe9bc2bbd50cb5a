package dev.lore.models;

import java.util.List;

/** Turns text into unit-length vectors; queries and documents may be embedded differently (BGE, e5). */
public interface Embedder {

    /** A stable model name, recorded with every collection embedded by it. */
    String name();

    int dimension();

    /**
     * Whether the model was trained so that a prefix of its vector is itself a good embedding (Matryoshka
     * representation learning: OpenAI's text-embedding-3-*, nomic-embed-text v1.5), which dense search's
     * {@code matryoshka:<dims>} mode needs.
     */
    default boolean matryoshka() {
        return false;
    }

    /** Whether the model runs on a GPU (reported by {@code GET /api/v1/models}). */
    default boolean onGpu() {
        return false;
    }

    List<float[]> embedDocuments(List<String> texts);

    float[] embedQuery(String text);

    /**
     * Where each token the model sees in {@code text} starts (ascending character offsets, no special tokens):
     * its length is the token count, and any stretch of the text can be measured from it without tokenizing again.
     */
    int[] tokenStarts(String text);

    /** Cosine similarity of two vectors of one size; 0 when either is all zeros. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
