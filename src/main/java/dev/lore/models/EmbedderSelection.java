package dev.lore.models;

import java.util.Locale;

/**
 * What {@code lore.models.embedder} selects: an in-process ONNX model by name ({@code all-minilm-l6-v2-q}, the
 * default), or a remote embedding service as {@code openai:<model>}, {@code ollama:<model>} or {@code tei} (optionally
 * {@code tei:<name>}, since a TEI server serves the one model it was started with).
 */
public record EmbedderSelection(Kind kind, String model) {

    /** Where the embedder runs, and for a remote one which wire format it speaks. */
    public enum Kind {
        IN_PROCESS, OPENAI, OLLAMA, TEI
    }

    public static EmbedderSelection parse(String value) {
        String text = value == null || value.isBlank() ? "all-minilm-l6-v2-q" : value.strip();
        int colon = text.indexOf(':');
        String prefix = (colon < 0 ? text : text.substring(0, colon)).toLowerCase(Locale.ROOT);
        String model = colon < 0 ? "" : text.substring(colon + 1).strip();
        return switch (prefix) {
            case "openai" -> new EmbedderSelection(Kind.OPENAI, required(model, "openai:text-embedding-3-small"));
            case "ollama" -> new EmbedderSelection(Kind.OLLAMA, required(model, "ollama:nomic-embed-text"));
            case "tei" -> new EmbedderSelection(Kind.TEI, model);
            default -> new EmbedderSelection(Kind.IN_PROCESS, text);
        };
    }

    public boolean remote() {
        return kind != Kind.IN_PROCESS;
    }

    private static String required(String model, String example) {
        if (model.isEmpty()) {
            throw new IllegalArgumentException("lore.models.embedder needs a model after the colon, e.g. " + example);
        }
        return model;
    }
}
