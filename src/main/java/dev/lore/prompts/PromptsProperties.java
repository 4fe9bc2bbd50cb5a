package dev.lore.prompts;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Where users keep their own prompt files: a {@code <name>.st} there replaces the built-in one of that name. */
@ConfigurationProperties("lore.prompts")
public record PromptsProperties(Path dir) {
}
