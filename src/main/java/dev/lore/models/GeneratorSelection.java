package dev.lore.models;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which backend serves each generator role: {@code none}, {@code local}, {@code openai}, {@code ollama} or
 * {@code anthropic}. The scorer defaults to the generator's backend (and then shares its instance).
 */
@ConfigurationProperties("lore")
public record GeneratorSelection(@DefaultValue("none") String generator, String scorer) {

    public static final String NONE = "none";

    public String backendFor(GeneratorRole role) {
        String id = role == GeneratorRole.SCORER && scorer != null && !scorer.isBlank() ? scorer : generator;
        return id == null || id.isBlank() ? NONE : id.trim().toLowerCase(java.util.Locale.ROOT);
    }
}
