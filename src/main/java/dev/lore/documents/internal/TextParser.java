package dev.lore.documents.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Plain text: paragraphs separated by blank lines, no headings. */
final class TextParser {

    ParsedDocument parse(String text, String title) {
        List<String> paragraphs = Arrays.stream(text.split("\\R\\s*\\R")).map(String::strip)
                .filter(p -> !p.isEmpty()).toList();
        if (paragraphs.isEmpty()) {
            return new ParsedDocument(title, List.of(), Map.of());
        }
        return new ParsedDocument(title, List.of(new Section(List.of(), paragraphs)), Map.of());
    }
}
