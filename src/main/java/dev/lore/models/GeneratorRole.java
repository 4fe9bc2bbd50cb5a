package dev.lore.models;

/** What a generator is used for; each role may be served by a different backend. */
public enum GeneratorRole {
    /** Writes answers, hypothetical documents, plans and reflections. */
    GENERATOR,
    /** Judges: relevance for the LLM reranker, importance for agent memories (wants logprobs). */
    SCORER;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
