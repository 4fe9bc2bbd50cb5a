package dev.lore.documents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MarkdownParserTests {

    private final MarkdownParser parser = new MarkdownParser();

    @Test
    void frontMatterIsMetadataAndTemplateMarkupIsNotProse() {
        ParsedDocument parsed = parser.parse("""
                ---
                title: Leave types
                keywords: vacation, jury duty
                ---
                {% alert %}See the [chart](https://example.org/chart) <b>first</b>.{% endalert %}

                # Leave
                ## Annual leave
                Ask in {% slack_channel "people-ops" %} about {{ site.name }} leave.
                {% comment %}hidden{% endcomment %}
                ```
                code stays
                ```
                """, "fallback");
        assertThat(parsed.title()).isEqualTo("Leave types");
        assertThat(parsed.metadata()).containsEntry("keywords", "vacation, jury duty");
        String text = String.join("\n", parsed.sections().stream().flatMap(s -> s.blocks().stream()).toList());
        assertThat(text).contains("See the chart first.", "Ask in #people-ops about leave.", "code stays")
                .doesNotContain("{%", "{{", "https://", "<b>", "hidden", "title:");
        assertThat(parsed.sections()).extracting(Section::headingPath).containsExactly("", "Leave > Annual leave");
    }

    @Test
    void titleFallsBackToTheFirstHeadingThenTheFileName() {
        assertThat(parser.parse("# Benefits\ntext", "file").title()).isEqualTo("Benefits");
        assertThat(parser.parse("just text", "file").title()).isEqualTo("file");
    }
}
