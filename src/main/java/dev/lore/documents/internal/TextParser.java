package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Plain text: paragraphs separated by blank lines, no headings. Inside a paragraph a line break is a soft wrap and
 * becomes a space, unless the next line starts a list item ("- ", "* ", "1. ") or follows a lead-in ending in ":",
 * where the author meant a line of its own.
 */
final class TextParser {

    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\R[ \\t]*\\R");
    private static final Pattern LIST_ITEM = Pattern.compile("^\\s*([-*+•]|\\d{1,3}[.)])\\s+.*");

    ParsedDocument parse(String text, String title) {
        List<String> paragraphs = new ArrayList<>();
        for (String paragraph : PARAGRAPH_BREAK.split(text)) {
            String joined = ReadableText.tidy(joinSoftWraps(paragraph));
            if (!joined.isEmpty()) {
                paragraphs.add(joined);
            }
        }
        if (paragraphs.isEmpty()) {
            return new ParsedDocument(title, List.of(), Map.of());
        }
        return new ParsedDocument(title, List.of(new Section(List.of(), paragraphs)), Map.of());
    }

    static String joinSoftWraps(String paragraph) {
        StringBuilder joined = new StringBuilder();
        for (String line : paragraph.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            if (!joined.isEmpty()) {
                boolean ownLine = LIST_ITEM.matcher(line).matches() || joined.toString().stripTrailing().endsWith(":");
                joined.append(ownLine ? "\n" : " ");
            }
            joined.append(line.strip());
        }
        return joined.toString();
    }
}
