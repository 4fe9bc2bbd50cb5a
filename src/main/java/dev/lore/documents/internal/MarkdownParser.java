package dev.lore.documents.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Markdown to heading-aware sections with commonmark, as a reader sees them ({@link MarkdownText}); YAML front matter
 * becomes metadata, never prose.
 */
final class MarkdownParser {

    private static final Pattern FRONT_MATTER = Pattern.compile("\\A\\uFEFF?---\\s*\\R(.*?)\\R---\\s*(\\R|\\z)",
            Pattern.DOTALL);

    private final Parser parser = Parser.builder().extensions(List.of(TablesExtension.create())).build();

    ParsedDocument parse(String markdown, String fallbackTitle) {
        Map<String, Object> frontMatter = new LinkedHashMap<>();
        String body = markdown;
        Matcher matcher = FRONT_MATTER.matcher(markdown);
        if (matcher.find()) {
            frontMatter.putAll(readYaml(matcher.group(1)));
            body = markdown.substring(matcher.end());
        }
        Node document = parser.parse(TemplateMarkup.strip(body));

        SectionBuilder sections = new SectionBuilder();
        String firstHeading = null;
        for (Node node = document.getFirstChild(); node != null; node = node.getNext()) {
            if (node instanceof Heading heading) {
                String text = MarkdownText.inline(heading);
                if (firstHeading == null && heading.getLevel() == 1) {
                    firstHeading = text;
                }
                sections.heading(heading.getLevel(), text);
            }
            else {
                MarkdownText.blocks(node).forEach(sections::block);
            }
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        Object keywords = frontMatter.get("keywords");
        if (keywords != null) {
            metadata.put("keywords", String.valueOf(keywords));
        }
        Object title = frontMatter.get("title");
        String resolvedTitle = title != null ? String.valueOf(title).strip()
                : firstHeading != null ? firstHeading : fallbackTitle;
        return new ParsedDocument(resolvedTitle, sections.build(), metadata);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readYaml(String yaml) {
        try {
            Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
            return loaded instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        }
        catch (RuntimeException e) {
            return Map.of();
        }
    }
}
