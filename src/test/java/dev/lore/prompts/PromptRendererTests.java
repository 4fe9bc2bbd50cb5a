package dev.lore.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Prompts render as StringTemplate does, values written as they are, and a template error is never a silent hole. */
class PromptRendererTests {

    private final PromptRenderer renderer = new PromptRenderer();

    @Test
    void fillsPlaceholdersAndWritesAMultiLineValueAsItIs() {
        String rendered = renderer.apply("Sources:\n  {sources}\nQuestion: {question}",
                Map.of("sources", "[1] Leave\nStaff earn 13 days.\n[2] Travel", "question", "How many days?"));

        // StringTemplate's default writer would indent the second and third lines of the sources by two spaces
        assertThat(rendered).isEqualTo("Sources:\n  [1] Leave\nStaff earn 13 days.\n[2] Travel\nQuestion: How many days?");
    }

    @Test
    void aPlaceholderWithoutAValueOrATemplateThatDoesNotCompileIsAnError() {
        assertThatThrownBy(() -> renderer.apply("Question: {question} {refusal}", Map.of("question", "Why?")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("refusal");
        assertThatThrownBy(() -> renderer.apply("Question: {question", Map.of("question", "Why?")))
                .isInstanceOf(IllegalStateException.class);
    }
}
