package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The few rules every parser shares for turning markup into text as a reader sees it: whitespace inside a line
 * collapsed (a paragraph's soft wraps become spaces before this), and a table row written as one sentence of
 * "header: cell" pairs, so that a row embeds, matches and quotes as a statement instead of a run of cells.
 */
final class ReadableText {

    private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\u00A0\\u2007\\u202F]+");
    private static final Pattern SPACE_BEFORE_PUNCTUATION = Pattern.compile(" +([,.;:!?)\\]])");
    private static final Pattern SPACE_AFTER_OPENING = Pattern.compile("([(\\[]) +");

    private ReadableText() {
    }

    /** Each line's runs of whitespace collapsed to one space, lines stripped, empty lines dropped. */
    static String tidy(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String tidy = SPACES.matcher(line).replaceAll(" ");
            tidy = SPACE_BEFORE_PUNCTUATION.matcher(tidy).replaceAll("$1");
            tidy = SPACE_AFTER_OPENING.matcher(tidy).replaceAll("$1").strip();
            if (!tidy.isEmpty()) {
                lines.add(tidy);
            }
        }
        return String.join("\n", lines);
    }

    /**
     * A table row as a sentence: "Meeting: Chapter meetings; Purpose: discuss practices; Who: everyone." Cells
     * under an empty header stand alone; empty cells are left out; a one-column table keeps its cells as they are.
     */
    static String row(List<String> headers, List<String> cells) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            String cell = tidy(cells.get(i)).replace('\n', ' ').strip();
            if (cell.isEmpty()) {
                continue;
            }
            String header = i < headers.size() ? tidy(headers.get(i)).replace('\n', ' ').strip() : "";
            header = header.endsWith(":") ? header.substring(0, header.length() - 1) : header;
            parts.add(header.isEmpty() || cells.size() == 1 ? cell : header + ": " + cell);
        }
        if (parts.isEmpty()) {
            return "";
        }
        String sentence = String.join("; ", parts);
        char last = sentence.charAt(sentence.length() - 1);
        return ".!?".indexOf(last) >= 0 ? sentence : sentence + ".";
    }
}
