package dev.lore.models;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Model settings. {@code embedder} names the in-process embedding model: {@code all-minilm-l6-v2-q} (quantised,
 * the default: see the README's numbers) or {@code all-minilm-l6-v2}.
 */
@ConfigurationProperties("lore.models")
public record ModelsProperties(@DefaultValue("all-minilm-l6-v2-q") String embedder) {
}
