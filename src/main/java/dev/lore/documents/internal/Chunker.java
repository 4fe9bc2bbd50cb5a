package dev.lore.documents.internal;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * Cuts a parsed document into chunks of about {@code maxTokens} embedder tokens. A section stays whole when it
 * fits; small neighbouring sections are packed together; a long section is cut at paragraph, then sentence, then
 * word boundaries, each new piece starting with about {@code overlapTokens} of the previous one.
 */
public final class Chunker {

    private final int maxTokens;
    private final int overlapTokens;
    private final ToIntFunction<String> tokens;

    public Chunker(int maxTokens, int overlapTokens, ToIntFunction<String> tokens) {
        if (maxTokens < 16 || overlapTokens < 0 || overlapTokens >= maxTokens / 2) {
            throw new IllegalArgumentException("need maxTokens >= 16 and 0 <= overlapTokens < maxTokens / 2");
        }
        this.maxTokens = maxTokens;
        this.overlapTokens = overlapTokens;
        this.tokens = tokens;
    }

    public List<Chunk> chunk(ParsedDocument document) {
        List<Piece> pieces = new ArrayList<>();
        for (Section section : document.sections()) {
            pieces.addAll(split(section));
        }
        List<Chunk> chunks = new ArrayList<>();
        int i = 0;
        while (i < pieces.size()) {
            Piece first = pieces.get(i);
            int used = first.tokens;
            int j = i + 1;
            // pack whole neighbouring sections while they fit; pieces of one cut-up section stay apart
            while (first.wholeSection && j < pieces.size() && pieces.get(j).wholeSection
                    && used + pieces.get(j).tokens + lastHeadingTokens(pieces.get(j)) <= maxTokens) {
                used += pieces.get(j).tokens + lastHeadingTokens(pieces.get(j));
                j++;
            }
            List<Piece> packed = pieces.subList(i, j);
            List<String> common = commonHeadings(packed);
            StringBuilder text = new StringBuilder();
            for (Piece piece : packed) {
                List<String> headings = piece.section.headings();
                text.append(text.isEmpty() ? "" : "\n\n");
                if (packed.size() > 1 && headings.size() > common.size()) {
                    text.append(headings.get(headings.size() - 1)).append('\n');
                }
                text.append(piece.text);
            }
            String headingPath = String.join(" > ", common);
            chunks.add(new Chunk(chunks.size(), headingPath, text.toString(),
                    embeddingText(document.title(), headingPath, text.toString())));
            i = j;
        }
        return chunks;
    }

    /** Packed sections share the headings they have in common; their own headings stay inline in the text. */
    private static List<String> commonHeadings(List<Piece> packed) {
        List<String> common = packed.get(0).section.headings();
        for (Piece piece : packed.subList(1, packed.size())) {
            List<String> headings = piece.section.headings();
            int n = 0;
            while (n < common.size() && n < headings.size() && common.get(n).equals(headings.get(n))) {
                n++;
            }
            common = common.subList(0, n);
        }
        return common;
    }

    private int lastHeadingTokens(Piece piece) {
        List<String> headings = piece.section.headings();
        return headings.isEmpty() ? 0 : tokens.applyAsInt(headings.get(headings.size() - 1));
    }

    public static String embeddingText(String title, String headingPath, String text) {
        StringBuilder prefix = new StringBuilder();
        if (title != null && !title.isBlank()) {
            prefix.append(title.strip());
        }
        if (!headingPath.isBlank() && !headingPath.equalsIgnoreCase(title == null ? "" : title.strip())) {
            prefix.append(prefix.length() > 0 ? " > " : "").append(headingPath);
        }
        return prefix.length() == 0 ? text : prefix + "\n" + text;
    }

    private record Piece(Section section, String text, int tokens, boolean wholeSection) {
    }

    private List<Piece> split(Section section) {
        String whole = String.join("\n\n", section.blocks());
        int wholeTokens = tokens.applyAsInt(whole);
        if (wholeTokens <= maxTokens) {
            return List.of(new Piece(section, whole, wholeTokens, true));
        }
        List<String> units = new ArrayList<>();
        for (String block : section.blocks()) {
            if (tokens.applyAsInt(block) <= maxTokens) {
                units.add(block);
            }
            else {
                for (String sentence : sentences(block)) {
                    if (tokens.applyAsInt(sentence) <= maxTokens) {
                        units.add(sentence);
                    }
                    else {
                        units.addAll(words(sentence));
                    }
                }
            }
        }
        List<Piece> pieces = new ArrayList<>();
        List<String> current = new ArrayList<>();
        List<Integer> currentTokens = new ArrayList<>();
        int used = 0;
        for (String unit : units) {
            int unitTokens = tokens.applyAsInt(unit);
            if (used + unitTokens > maxTokens && !current.isEmpty()) {
                pieces.add(new Piece(section, String.join("\n\n", current), used, false));
                List<String> carried = new ArrayList<>();
                List<Integer> carriedTokens = new ArrayList<>();
                int carriedUsed = 0;
                for (int k = current.size() - 1; k >= 0; k--) {
                    int t = currentTokens.get(k);
                    if (carriedUsed + t > overlapTokens || carriedUsed + t + unitTokens > maxTokens) {
                        break;
                    }
                    carried.add(0, current.get(k));
                    carriedTokens.add(0, t);
                    carriedUsed += t;
                }
                current = carried;
                currentTokens = carriedTokens;
                used = carriedUsed;
            }
            current.add(unit);
            currentTokens.add(unitTokens);
            used += unitTokens;
        }
        if (!current.isEmpty()) {
            pieces.add(new Piece(section, String.join("\n\n", current), used, false));
        }
        return pieces;
    }

    private static List<String> sentences(String text) {
        BreakIterator iterator = BreakIterator.getSentenceInstance(Locale.ENGLISH);
        iterator.setText(text);
        List<String> sentences = new ArrayList<>();
        int start = iterator.first();
        for (int end = iterator.next(); end != BreakIterator.DONE; start = end, end = iterator.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) {
                sentences.add(sentence);
            }
        }
        return sentences;
    }

    private List<String> words(String sentence) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        int used = 0;
        for (String word : sentence.split("\\s+")) {
            int wordTokens = tokens.applyAsInt(word);
            if (!part.isEmpty() && used + wordTokens > maxTokens - overlapTokens) {
                parts.add(part.toString());
                part.setLength(0);
                used = 0;
            }
            part.append(part.isEmpty() ? "" : " ").append(word);
            used += wordTokens;
        }
        if (!part.isEmpty()) {
            parts.add(part.toString());
        }
        return parts;
    }
}
