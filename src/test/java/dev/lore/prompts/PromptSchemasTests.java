package dev.lore.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schemas beside the prompts: shipped for every agent prompt that expects a form, overridable, checked. */
class PromptSchemasTests {

    @TempDir
    Path dir;

    @Test
    void everyAgentPromptThatExpectsAFormShipsItsSchemaAndFreeTextPromptsHaveNone() {
        Prompts prompts = new Prompts(new PromptsProperties(null));
        for (String name : new String[] {"agent-plan-day", "agent-plan-hours", "agent-plan-actions", "agent-react",
                "agent-converse", "agent-reflection-questions", "agent-reflection-insights", "agent-importance",
                "rerank-listwise"}) {
            assertThat(prompts.get(name).schema()).as(name).hasValueSatisfying(schema -> assertThat(schema)
                    .contains("\"additionalProperties\": false"));
        }
        assertThat(prompts.get("agent-interview").schema()).isEmpty();
        assertThat(prompts.get("answer").schema()).isEmpty();
    }

    @Test
    void aSchemaInThePromptsDirectoryReplacesTheShippedOne() throws IOException {
        Files.writeString(dir.resolve("agent-react.schema.json"), "{\"type\":\"object\"}");

        Prompts prompts = new Prompts(new PromptsProperties(dir));

        assertThat(prompts.get("agent-react").schema()).hasValue("{\"type\":\"object\"}");
        assertThat(prompts.get("agent-plan-day").schema()).isPresent();
    }

    @Test
    void aSchemaThatIsNoJsonObjectOrHasNoPromptFailsStartUp() throws IOException {
        Files.writeString(dir.resolve("agent-react.schema.json"), "[1, 2");
        assertThatThrownBy(() -> new Prompts(new PromptsProperties(dir))).hasMessageContaining("agent-react");

        Files.writeString(dir.resolve("agent-react.schema.json"), "{}");
        Files.writeString(dir.resolve("no-such-prompt.schema.json"), "{}");
        assertThatThrownBy(() -> new Prompts(new PromptsProperties(dir))).hasMessageContaining("no-such-prompt");
    }
}
