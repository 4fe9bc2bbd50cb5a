package dev.lore.answers;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into sentences that are verbatim substrings of it: at line ends, and after {@code .!?} (and closing
 * quotes or brackets) followed by a space and a capital, digit or opening bracket, so "e.g. the" stays whole; a
 * line's Markdown list, quote or heading marker is left out of its first sentence.
 */
final class Sentences {

    private static final Pattern LINE_MARKER = Pattern.compile("^\\s*(#{1,6}\\s+|[-*+]\\s+|\\d{1,3}[.)]\\s+|>\\s*)+");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private Sentences() {
    }

    static List<String> split(String text) {
        List<String> sentences = new ArrayList<>();
        for (String line : text.split("\\R")) {
            Matcher marker = LINE_MARKER.matcher(line);
            String rest = marker.find() ? line.substring(marker.end()) : line;
            int start = 0;
            for (int i = 0; i < rest.length(); i++) {
                char c = rest.charAt(i);
                if (c != '.' && c != '!' && c != '?') {
                    continue;
                }
                int end = i + 1;
                while (end < rest.length() && "\"')]*_”’".indexOf(rest.charAt(end)) >= 0) {
                    end++;
                }
                int next = end;
                while (next < rest.length() && rest.charAt(next) == ' ') {
                    next++;
                }
                if (next > end && next < rest.length() && startsSentence(rest.charAt(next))) {
                    add(sentences, rest.substring(start, end));
                    start = next;
                    i = next - 1;
                }
            }
            add(sentences, rest.substring(start));
        }
        return sentences;
    }

    /** How many words a sentence has: letters or digits in a row. */
    static int words(String sentence) {
        Matcher words = WORD.matcher(sentence);
        int count = 0;
        while (words.find()) {
            count++;
        }
        return count;
    }

    private static boolean startsSentence(char c) {
        return Character.isUpperCase(c) || Character.isDigit(c) || c == '[' || c == '(' || c == '"' || c == '“';
    }

    private static void add(List<String> sentences, String sentence) {
        String trimmed = sentence.strip();
        if (!trimmed.isEmpty()) {
            sentences.add(trimmed);
        }
    }
}
