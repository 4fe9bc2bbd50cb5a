package dev.lore.prompts;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.ai.template.TemplateRenderer;

/** A loaded prompt template with its named {@code {placeholders}}, rendered with StringTemplate. */
public final class Prompt {

    private final String name;
    private final String template;
    private final String origin;
    private final TemplateRenderer renderer;
    private final String schema;

    Prompt(String name, String template, String origin, TemplateRenderer renderer) {
        this(name, template, origin, renderer, null);
    }

    private Prompt(String name, String template, String origin, TemplateRenderer renderer, String schema) {
        this.name = name;
        this.template = template;
        this.origin = origin;
        this.renderer = renderer;
        this.schema = schema;
    }

    /** This prompt with the JSON schema its answer follows ({@code prompts/<name>.schema.json}). */
    Prompt withSchema(String json) {
        return new Prompt(name, template, origin, renderer, json);
    }

    /**
     * The JSON schema (its text) of the answer this prompt asks for, from {@code prompts/<name>.schema.json}: a
     * generator that enforces schemas is held to it. Empty for prompts that ask for free text.
     */
    public Optional<String> schema() {
        return Optional.ofNullable(schema);
    }

    public String name() {
        return name;
    }

    /** Where the template was read from: a file path or {@code classpath:prompts/<name>.st}. */
    public String origin() {
        return origin;
    }

    public String template() {
        return template;
    }

    /** Fills every placeholder; a missing value is an error, never an empty hole in the prompt. */
    public String render(Map<String, ?> values) {
        return renderer.apply(template, values);
    }

    /**
     * Checks at start-up that this template uses exactly the placeholders its caller supplies: an unknown one would
     * fail at render time, a forgotten one would silently drop the caller's input.
     */
    void requirePlaceholders(Set<String> placeholders) {
        Map<String, String> probes = new java.util.HashMap<>();
        for (String placeholder : placeholders) {
            probes.put(placeholder, "\u0000" + placeholder + "\u0000");
        }
        String rendered;
        try {
            rendered = render(probes);
        }
        catch (RuntimeException e) {
            throw new IllegalStateException("Prompt '" + name + "' (" + origin + ") uses a placeholder other than "
                    + placeholders + ": " + e.getMessage(), e);
        }
        for (String placeholder : placeholders) {
            if (!rendered.contains(probes.get(placeholder))) {
                throw new IllegalStateException("Prompt '" + name + "' (" + origin + ") does not use {" + placeholder
                        + "}; it must use all of " + placeholders);
            }
        }
    }
}
