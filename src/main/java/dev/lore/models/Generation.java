package dev.lore.models;

import java.util.List;

/** The answer to a {@link GenerationRequest}: one completion per requested {@code n}, the model used and usage. */
public record Generation(String model, List<Completion> completions, Usage usage) {

    public Generation {
        completions = List.copyOf(completions);
        if (completions.isEmpty()) {
            throw new IllegalArgumentException("a generation has at least one completion");
        }
        usage = usage == null ? Usage.NONE : usage;
    }

    /** The first completion's text. */
    public String text() {
        return completions.get(0).text();
    }

    public Completion first() {
        return completions.get(0);
    }
}
