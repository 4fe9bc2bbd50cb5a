package dev.lore.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;

/**
 * Splits text into sentences that are verbatim substrings of it. A line is a unit of its own (Lore's parsers put
 * list items, table rows and code lines on lines, and join a paragraph's soft wraps), so sentences never cross a
 * line break; inside a line ICU's sentence rules decide, except after an abbreviation that the handbook and
 * company prose use before capitals ("(e.g. Google Drive)", "the U.S. Government", "Dr. Smith"): ICU's own
 * suppression lists are not in its jar, and its filter matches word endings ("g." would also keep "bag. Then"
 * together), so Lore checks the whole word before a break itself. A line's list, quote or heading marker is left
 * out of its first sentence. Measured on the 18F handbook's paragraphs against the JDK's iterator:
 * {@code bench/results/2026-12-07-sentence-segmentation.md}.
 */
public final class Sentences {

    private static final Pattern LINE_MARKER = Pattern.compile("^\\s*(#{1,6}\\s+|[-*+•]\\s+|\\d{1,3}[.)]\\s+|>\\s*)+");
    private static final Pattern LINE = Pattern.compile("[^\\r\\n\\u2028\\u2029]+");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    /** Words after which a break is never a sentence end (compared lower-case, brackets and quotes before it off). */
    private static final Set<String> ABBREVIATIONS = Set.of("e.g.", "i.e.", "u.s.", "u.k.", "d.c.", "dr.", "mr.",
            "mrs.", "ms.", "st.", "vs.", "cf.", "approx.", "incl.", "no.", "jan.", "feb.", "mar.", "apr.", "jun.",
            "jul.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "fig.", "sr.", "jr.", "prof.", "gov.", "dept.",
            "ph.d.");

    // ICU's iterators are stateful and not thread-safe, and building one costs far more than reusing it
    private static final ThreadLocal<BreakIterator> ITERATOR = ThreadLocal.withInitial(Sentences::newIterator);

    private Sentences() {
    }

    /** A sentence and where it lies in the text it came from. */
    public record Span(int start, int end, String text) {
    }

    public static List<String> split(String text) {
        return spans(text).stream().map(Span::text).toList();
    }

    public static List<Span> spans(String text) {
        List<Span> spans = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return spans;
        }
        Matcher line = LINE.matcher(text);
        while (line.find()) {
            int from = line.start();
            Matcher marker = LINE_MARKER.matcher(text).region(from, line.end());
            if (marker.lookingAt()) {
                from = marker.end();
            }
            int start = 0;
            for (int end : ends(text.substring(from, line.end()))) {
                add(spans, text, from + start, from + end);
                start = end;
            }
        }
        return spans;
    }

    /**
     * Where the sentences of one line end (exclusive offsets, ascending, the last one the line's length); the text
     * between two ends is a sentence with its trailing space, so consecutive pieces rebuild the line exactly.
     */
    public static List<Integer> ends(String line) {
        List<Integer> ends = new ArrayList<>();
        BreakIterator iterator = ITERATOR.get();
        iterator.setText(line);
        iterator.first();
        for (int end = iterator.next(); end != BreakIterator.DONE; end = iterator.next()) {
            if (end == line.length() || !afterAbbreviation(line, end)) {
                ends.add(end);
            }
        }
        return ends;
    }

    /** How many words a sentence has: letters or digits in a row. */
    public static int words(String sentence) {
        Matcher words = WORD.matcher(sentence);
        int count = 0;
        while (words.find()) {
            count++;
        }
        return count;
    }

    private static boolean afterAbbreviation(String line, int end) {
        int wordEnd = end;
        while (wordEnd > 0 && Character.isWhitespace(line.charAt(wordEnd - 1))) {
            wordEnd--;
        }
        int wordStart = wordEnd;
        while (wordStart > 0 && !Character.isWhitespace(line.charAt(wordStart - 1))) {
            wordStart--;
        }
        while (wordStart < wordEnd && "([{\"'“‘".indexOf(line.charAt(wordStart)) >= 0) {
            wordStart++;
        }
        return ABBREVIATIONS.contains(line.substring(wordStart, wordEnd).toLowerCase(Locale.ROOT));
    }

    private static void add(List<Span> spans, String text, int start, int end) {
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end > start) {
            spans.add(new Span(start, end, text.substring(start, end)));
        }
    }

    private static BreakIterator newIterator() {
        return BreakIterator.getSentenceInstance(ULocale.ENGLISH);
    }
}
