package dev.lore.documents.internal;

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

    private Hyphenation() {
    }

    static String join(String text) {
        Matcher broken = BROKEN.matcher(text);
        if (!broken.find()) {
            return text;
        }
        StringBuilder joined = new StringBuilder(text.length());
        int last = 0;
        do {
            String first = broken.group(1);
            String second = broken.group(2);
            boolean ownHyphen = Pattern.compile("(?<![\\p{L}])" + Pattern.quote(first + "-" + second) + "(?![\\p{L}])",
                    Pattern.CASE_INSENSITIVE).matcher(text).find();
            joined.append(text, last, broken.start()).append(first).append(ownHyphen ? "-" : "").append(second);
            last = broken.end();
        } while (broken.find());
        return joined.append(text, last, text.length()).toString();
    }
}
