package dev.lore.models.local;

import java.nio.file.Path;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The local engine's contract on a real GGUF model named by {@code LORE_TEST_GGUF}. */
@EnabledIfEnvironmentVariable(named = "LORE_TEST_GGUF", matches = ".+",
        disabledReason = "set LORE_TEST_GGUF to a GGUF file to run the local engine against a real model")
class RealModelLocalGeneratorTests extends LocalGeneratorContract {

    @Override
    Path model() {
        return Path.of(System.getenv("LORE_TEST_GGUF"));
    }

    @Override
    LocalProperties properties() {
        return LocalProperties.of(model()).withContextSize(1024).withThreads(2);
    }
}
