package dev.lore.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.stringtemplate.v4.AutoIndentWriter;
import org.stringtemplate.v4.ST;

/**
 * Prompts render exactly as StringTemplate renders them (compared with its own writer, template by template), and a
 * template error is never a silent hole.
 */
class PromptRendererTests {

    private static final String SOURCES = "[1] Leave\nStaff earn 13 days.\r\n\n[2] Travel\nBook early.";

    private final PromptRenderer renderer = new PromptRenderer();

    @Test
    void rendersWhatStringTemplatesOwnWriterRenders() throws Exception {
        List<String> templates = List.of(
                "Sources:\n{sources}\n\nQuestion: {question}",
                "Sources:\n  {sources}\nQuestion: {question}",
                "Sources:\n  {empty}\nQuestion: {question}",
                "{items:{it|- {it}\n}}done",
                "  {items:{it|- {it}\n}}done",
                "{items; separator=\"\\n\"}",
                "Answer:\n  {if(flag)}yes{endif}\n  {if(off)}no{endif}\nend: {sources}",
                "{question}: {sources; anchor}");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("sources", SOURCES);
        values.put("question", "How many days?");
        values.put("empty", "");
        values.put("items", List.of("one\ntwo", "three"));
        values.put("flag", true);
        values.put("off", false);
        for (String template : templates) {
            Map<String, Object> used = new LinkedHashMap<>();
            values.forEach((name, value) -> {
                if (template.contains(name)) {
                    used.put(name, value);
                }
            });
            assertThat(renderer.apply(template, used)).as(template).isEqualTo(stock(template, used));
        }
    }

    @Test
    void aPlaceholderWithoutAValueOrATemplateThatDoesNotCompileIsAnError() {
        assertThatThrownBy(() -> renderer.apply("Question: {question} {refusal}", Map.of("question", "Why?")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("refusal")
                .hasMessageNotContaining("\tat ");
        assertThatThrownBy(() -> renderer.apply("Question: {question", Map.of("question", "Why?")))
                .isInstanceOf(IllegalStateException.class);
    }

    /** StringTemplate's own rendering, with "\n" for its newlines. */
    private static String stock(String template, Map<String, Object> values) throws Exception {
        ST st = new ST(template, '{', '}');
        values.forEach(st::add);
        java.io.StringWriter out = new java.io.StringWriter();
        st.write(new AutoIndentWriter(out, "\n"));
        return out.toString();
    }
}
