package dev.lore.documents.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Joins words a PDF broke across lines with a hyphen ("infor-" / "mation"). A PDF keeps no record of whether the
 * hyphen was the typesetter's or the word's own, so the document itself decides: a word it also writes with the
 * hyphen mid-line ("well-known") keeps it, any other is joined. A line ending in a hyphen before a capital, a digit
 * or a space is left alone ("pre- and post-", "COVID-19").
 */
final class Hyphenation {

    private static final Pattern BROKEN = Pattern.compile("(\\p{L}+)-[ \\t]*\\R[ \\t]*(\\p{Ll}+)");
    /** A whole word written with a hyphen mid-line; the lookahead lets "a-b-c" yield "a-b" and "b-c". */
    private static final Pattern HYPHENATED = Pattern.compile("(?<!\\p{L})(\\p{L}+-)(?=(\\p{L}+))");

    private Hyphenation() {
    }

    static String join(String text) {
        Matcher broken = BROKEN.matcher(text);
        if (!broken.find()) {
            return text;
        }
        Set<String> hyphenated = hyphenated(text);
        StringBuilder joined = new StringBuilder(text.length());
        int last = 0;
        do {
            String first = broken.group(1);
            String second = broken.group(2);
            boolean ownHyphen = hyphenated.contains(foldAscii(first + "-" + second));
            joined.append(text, last, broken.start()).append(first).append(ownHyphen ? "-" : "").append(second);
            last = broken.end();
        } while (broken.find());
        return joined.append(text, last, text.length()).toString();
    }

    /** The words the text writes with a hyphen mid-line, found in one pass rather than one search per break. */
    private static Set<String> hyphenated(String text) {
        Set<String> words = new HashSet<>();
        Matcher word = HYPHENATED.matcher(text);
        while (word.find()) {
            words.add(foldAscii(word.group(1) + word.group(2)));
        }
        return words;
    }

    /** Lower case for ASCII letters only, as a case-insensitive {@link Pattern} without UNICODE_CASE compares. */
    private static String foldAscii(String word) {
        char[] chars = word.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }
}
