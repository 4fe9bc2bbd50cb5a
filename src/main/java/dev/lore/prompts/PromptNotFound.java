package dev.lore.prompts;

/** A prompt that no {@code prompts/<name>.st} file provides. */
public final class PromptNotFound extends IllegalStateException {

    PromptNotFound(String name) {
        super("No prompt named '" + name + "': expected prompts/" + name + ".st on the classpath or in lore.prompts.dir");
    }
}
