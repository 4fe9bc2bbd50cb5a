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
            StringBuilder text = new StringBuilder(first.text);
            int used = first.tokens;
            int j = i + 1;
            // pack whole neighbouring sections while they fit; pieces of one cut-up section stay apart
            while (first.wholeSection && j < pieces.size() && pieces.get(j).wholeSection
                    && used + pieces.get(j).tokens + 4 <= maxTokens) {
                Piece next = pieces.get(j);
                String heading = next.section.headings().isEmpty() ? ""
                        : next.section.headings().get(next.section.headings().size() - 1) + "\n";
                text.append("\n\n").append(heading).append(next.text);
                used += next.tokens + tokens.applyAsInt(heading);
                j++;
            }
            String headingPath = first.section.headingPath();
            chunks.add(new Chunk(chunks.size(), headingPath, text.toString(),
                    embeddingText(document.title(), headingPath, text.toString())));
            i = j;
        }
        return chunks;
    }

    static String embeddingText(String title, String headingPath, String text) {
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
