package dev.lore.models.local;

import org.springframework.stereotype.Component;

import dev.lore.models.Generator;
import dev.lore.models.backend.GeneratorBackend;

/** Opens the in-process llama.cpp generator when {@code lore.generator} or {@code lore.scorer} is {@code local}. */
@Component
class LocalBackend implements GeneratorBackend {

    private final LocalProperties properties;

    LocalBackend(LocalProperties properties) {
        this.properties = properties;
    }

    @Override
    public String id() {
        return LlamaEngine.BACKEND;
    }

    @Override
    public Generator open() {
        return LocalGenerator.open(properties);
    }
}
