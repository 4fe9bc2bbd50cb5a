package dev.lore.models.embedding;

import java.util.List;
import java.util.Locale;

/**
 * What Lore knows of popular embedding models, so that naming one is enough: its dimension, whether it was
 * Matryoshka-trained, and the prefixes it expects on queries and passages. Settings override each.
 */
record KnownModel(String namePart, int dimension, boolean matryoshka, String queryPrefix, String documentPrefix) {

    static final KnownModel UNKNOWN = new KnownModel("", 0, false, "", "");

    private static final List<KnownModel> MODELS = List.of(
            new KnownModel("text-embedding-3-small", 1536, true, "", ""),
            new KnownModel("text-embedding-3-large", 3072, true, "", ""),
            new KnownModel("text-embedding-ada-002", 1536, false, "", ""),
            // nomic-embed-text v1.5 (what Ollama serves under that name) is Matryoshka-trained and task-prefixed
            new KnownModel("nomic-embed-text", 768, true, "search_query: ", "search_document: "),
            new KnownModel("mxbai-embed-large", 1024, true,
                    "Represent this sentence for searching relevant passages: ", ""),
            new KnownModel("all-minilm", 384, false, "", ""));

    /** The first model whose name part occurs in {@code model} (case-insensitive), or {@link #UNKNOWN}. */
    static KnownModel of(String model) {
        String lower = model == null ? "" : model.toLowerCase(Locale.ROOT);
        return MODELS.stream().filter(known -> lower.contains(known.namePart())).findFirst().orElse(UNKNOWN);
    }
}
