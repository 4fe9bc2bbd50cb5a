package dev.lore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.ibm.icu.util.ULocale;

import dev.lore.documents.internal.DocumentFormat;
import dev.lore.documents.internal.DocumentParser;
import dev.lore.documents.internal.ParseLimits;
import dev.lore.text.Sentences;

/**
 * Which sentence segmenter splits the 18F handbook's text where a reader would: the JDK's
 * {@code java.text.BreakIterator}, ICU4J's, and Lore's ({@link Sentences}: ICU's rules with whole-word abbreviations),
 * each over every line of the handbook as Lore's parser renders it. A split right after "e.g.", "i.e.", "U.S.",
 * "Dr." or "St." (and the like), or before a lower-case word, is counted as wrong. Writes
 * {@code bench/results/<date>-sentence-segmentation.md}.
 */
public final class SentenceSegmentation {

    private static final Pattern ABBREVIATION = Pattern.compile(
            "(?i)(?:^|[\\s(\\[\"'])(e\\.g|i\\.e|u\\.s|d\\.c|dr|mr|mrs|ms|st|vs|cf|approx|incl|no)\\.$");

    private static final Pattern MARKER = Pattern.compile("^\\s*(#{1,6}\\s+|[-*+•]\\s+|\\d{1,3}[.)]\\s+|>\\s*)+");

    public static void main(String[] args) throws Exception {
        Path handbook = Path.of(args.length > 0 ? args[0] : "../shared/eval/handbook");
        DocumentParser parser = new DocumentParser(Clock.systemUTC());
        ParseLimits limits = new ParseLimits(10_000_000, Duration.ofSeconds(30));
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(handbook)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                parser.parse(Files.readAllBytes(file), DocumentFormat.MARKDOWN, "x", limits).sections()
                        .forEach(s -> s.blocks().forEach(b -> lines.addAll(List.of(b.split("\n")))));
            }
        }
        Map<String, Function<String, List<String>>> segmenters = new LinkedHashMap<>();
        segmenters.put("JDK java.text.BreakIterator", line -> split(java.text.BreakIterator
                .getSentenceInstance(Locale.ENGLISH), line));
        segmenters.put("ICU4J BreakIterator (en)", line -> {
            com.ibm.icu.text.BreakIterator icu = com.ibm.icu.text.BreakIterator.getSentenceInstance(ULocale.ENGLISH);
            icu.setText(line);
            List<String> out = new ArrayList<>();
            int start = icu.first();
            for (int end = icu.next(); end != com.ibm.icu.text.BreakIterator.DONE; start = end, end = icu.next()) {
                out.add(line.substring(start, end).strip());
            }
            return out;
        });
        segmenters.put("Lore: ICU4J with whole-word abbreviations", Sentences::split);
        StringBuilder report = new StringBuilder("# Sentence segmentation on the 18F handbook\n\nRun " + LocalDate.now()
                + " by `dev.lore.bench.SentenceSegmentation`: " + lines.size() + " lines (paragraphs, list items, "
                + "table rows) as Lore's Markdown parser renders them. Wrong: a split right after an abbreviation "
                + "(e.g., i.e., U.S., D.C., Dr., St., vs., No. ...) or before a lower-case word.\n\n"
                + "| segmenter | sentences | wrong splits | examples |\n|---|---|---|---|\n");
        for (Map.Entry<String, Function<String, List<String>>> segmenter : segmenters.entrySet()) {
            int sentences = 0;
            int wrong = 0;
            List<String> examples = new ArrayList<>();
            for (String line : lines) {
                // every segmenter reads the line without its list marker, as Lore's does
                List<String> split = segmenter.getValue().apply(MARKER.matcher(line).replaceFirst("")).stream()
                        .filter(s -> !s.isBlank()).toList();
                sentences += split.size();
                for (int i = 0; i + 1 < split.size(); i++) {
                    String next = split.get(i + 1);
                    if (ABBREVIATION.matcher(split.get(i)).find() || Character.isLowerCase(next.charAt(0))) {
                        wrong++;
                        if (examples.size() < 2) {
                            String before = split.get(i);
                            examples.add("…" + before.substring(Math.max(0, before.length() - 30)) + " / "
                                    + next.substring(0, Math.min(25, next.length())) + "…");
                        }
                    }
                }
            }
            report.append(String.format(Locale.ROOT, "| %s | %d | %d | %s |%n", segmenter.getKey(), sentences, wrong,
                    String.join("; ", examples).replace("|", "/")));
        }
        Path results = Path.of("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve(LocalDate.now() + "-sentence-segmentation.md"), report.toString());
        System.out.println(report);
    }

    private static List<String> split(java.text.BreakIterator iterator, String line) {
        iterator.setText(line);
        List<String> out = new ArrayList<>();
        int start = iterator.first();
        for (int end = iterator.next(); end != java.text.BreakIterator.DONE; start = end, end = iterator.next()) {
            out.add(line.substring(start, end).strip());
        }
        return out;
    }
}
