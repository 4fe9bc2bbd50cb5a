package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lore.models.ChatMessage;

/** The local engine's contract on a tiny random-weight llama model written by {@link TinyGguf}. */
class TinyModelLocalGeneratorTests extends LocalGeneratorContract {

    private static Path tiny;

    @Override
    Path model() throws IOException {
        if (tiny == null) {
            Path dir = Files.createTempDirectory("lore-tiny-gguf");
            dir.toFile().deleteOnExit();
            tiny = TinyGguf.write(dir.resolve("tiny.gguf"), 42, null);
            tiny.toFile().deleteOnExit();
        }
        return tiny;
    }

    @Test
    void withoutAModelTemplateThePromptUsesTheDocumentedFallback() throws IOException {
        try (LocalGenerator generator = LocalGenerator.open(properties())) {
            assertThat(generator.engine().chatTemplate()).isNull();
            assertThat(new ChatFormat(null).format(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"))))
                .isEqualTo("### System:\nBe brief.\n\n### User:\nHi\n\n### Assistant:\n");
        }
    }

    @Test
    void theModelsChatTemplateIsAppliedByLlamaCpp() throws IOException {
        Path withTemplate = TinyGguf.write(scratch.resolve("chatml.gguf"), 42, TinyGguf.CHATML);
        try (LocalGenerator generator = LocalGenerator.open(LocalProperties.of(withTemplate).withThreads(1))) {
            ChatFormat format = new ChatFormat(generator.engine().chatTemplate());
            assertThat(format.format(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hel"))))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHel");
        }
    }
}
