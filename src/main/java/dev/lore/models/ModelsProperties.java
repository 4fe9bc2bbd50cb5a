package dev.lore.models;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Model settings. {@code embedder} names the embedding model: in-process, {@code all-minilm-l6-v2-q} (quantised, the
 * default: see the README's numbers), {@code all-minilm-l6-v2}, {@code bge-small-en-v1.5-q} or {@code e5-small-v2-q};
 * or a remote service, {@code openai:<model>}, {@code ollama:<model>} or {@code tei} (see {@link EmbedderSelection}
 * and {@code lore.models.embedding.*}).
 */
@ConfigurationProperties("lore.models")
public record ModelsProperties(@DefaultValue("all-minilm-l6-v2-q") String embedder) {
}
