package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lore.text.Headings;
import dev.lore.text.Sentences;

/**
 * Cuts a parsed document into chunks of about {@code maxTokens} embedder tokens. A section stays whole when it
 * fits; small neighbouring sections are packed together; a long section is cut at paragraph, then line (list item,
 * table row), then sentence ({@link Sentences}), then word boundaries, each new piece starting with about
 * {@code overlapTokens} of the previous one. Each block is
 * tokenized once; sentences and words are measured from the token positions of their block. A chunk also holds at
 * most {@code 8 * maxTokens} characters: a tokenizer can count a 10 MB run without spaces as one unknown token, and
 * such a run is cut between characters.
 */
public final class Chunker {

    private static final Pattern WORD = Pattern.compile("\\S+");
    private static final Pattern LINE = Pattern.compile("[^\\r\\n]+");

    private static final int CHARACTERS_PER_TOKEN = 8;

    private final int maxTokens;
    private final int maxCharacters;
    private final int overlapTokens;
    private final Function<String, int[]> tokenStarts;

    /** @param tokenStarts where each of the embedder's tokens starts in a text (ascending character offsets) */
    public Chunker(int maxTokens, int overlapTokens, Function<String, int[]> tokenStarts) {
        if (maxTokens < 16 || overlapTokens < 0 || overlapTokens >= maxTokens / 2) {
            throw new IllegalArgumentException("need maxTokens >= 16 and 0 <= overlapTokens < maxTokens / 2");
        }
        this.maxTokens = maxTokens;
        this.maxCharacters = maxTokens * CHARACTERS_PER_TOKEN;
        this.overlapTokens = overlapTokens;
        this.tokenStarts = tokenStarts;
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
            int usedCharacters = first.text.length();
            int j = i + 1;
            // pack whole neighbouring sections while they fit; pieces of one cut-up section stay apart
            while (first.wholeSection && j < pieces.size() && pieces.get(j).wholeSection
                    && used + pieces.get(j).tokens + lastHeadingTokens(pieces.get(j)) <= maxTokens
                    && usedCharacters + packedLength(pieces.get(j)) <= maxCharacters) {
                used += pieces.get(j).tokens + lastHeadingTokens(pieces.get(j));
                usedCharacters += packedLength(pieces.get(j));
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

    /** The characters a piece adds when packed after another: separator, its own heading and its text. */
    private static int packedLength(Piece piece) {
        List<String> headings = piece.section.headings();
        return 2 + (headings.isEmpty() ? 0 : headings.get(headings.size() - 1).length() + 1) + piece.text.length();
    }

    private int lastHeadingTokens(Piece piece) {
        List<String> headings = piece.section.headings();
        return headings.isEmpty() ? 0 : tokenStarts.apply(headings.get(headings.size() - 1)).length;
    }

    public static String embeddingText(String title, String headingPath, String text) {
        String trail = Headings.trail(title, headingPath);
        return trail.isEmpty() ? text : trail + "\n" + text;
    }

    private record Piece(Section section, String text, int tokens, boolean wholeSection) {
    }

    private record Unit(String text, int tokens) {
    }

    private List<Piece> split(Section section) {
        List<String> blocks = section.blocks();
        List<int[]> starts = blocks.stream().map(tokenStarts).toList();
        int wholeTokens = starts.stream().mapToInt(a -> a.length).sum();
        String whole = String.join("\n\n", blocks);
        if (wholeTokens <= maxTokens && whole.length() <= maxCharacters) {
            return List.of(new Piece(section, whole, wholeTokens, true));
        }
        List<Unit> units = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            String block = blocks.get(b);
            int[] blockStarts = starts.get(b);
            if (blockStarts.length <= maxTokens && block.length() <= maxCharacters) {
                units.add(new Unit(block, blockStarts.length));
                continue;
            }
            // too long for one chunk: its lines (list items, table rows), and a line too long, its sentences
            Matcher line = LINE.matcher(block);
            while (line.find()) {
                int lineTokens = tokensBetween(blockStarts, line.start(), line.end());
                if (lineTokens <= maxTokens && line.end() - line.start() <= maxCharacters) {
                    addUnit(units, block.substring(line.start(), line.end()), lineTokens);
                    continue;
                }
                int from = line.start();
                for (int end : Sentences.ends(block.substring(line.start(), line.end()))) {
                    int to = line.start() + end;
                    int sentenceTokens = tokensBetween(blockStarts, from, to);
                    if (sentenceTokens <= maxTokens && to - from <= maxCharacters) {
                        addUnit(units, block.substring(from, to), sentenceTokens);
                    }
                    else {
                        units.addAll(words(block, blockStarts, from, to));
                    }
                    from = to;
                }
            }
        }
        List<Piece> pieces = new ArrayList<>();
        List<Unit> current = new ArrayList<>();
        int used = 0;
        for (Unit unit : units) {
            if ((used + unit.tokens() > maxTokens || length(current) + 2 + unit.text().length() > maxCharacters)
                    && !current.isEmpty()) {
                pieces.add(new Piece(section, join(current), used, false));
                List<Unit> carried = new ArrayList<>();
                int carriedUsed = 0;
                for (int k = current.size() - 1; k >= 0; k--) {
                    int t = current.get(k).tokens();
                    if (carriedUsed + t > overlapTokens || carriedUsed + t + unit.tokens() > maxTokens
                            || length(carried) + current.get(k).text().length() + unit.text().length() + 4
                                    > maxCharacters) {
                        break;
                    }
                    carried.add(0, current.get(k));
                    carriedUsed += t;
                }
                current = carried;
                used = carriedUsed;
            }
            current.add(unit);
            used += unit.tokens();
        }
        if (!current.isEmpty()) {
            pieces.add(new Piece(section, join(current), used, false));
        }
        return pieces;
    }

    /** A run of text too long for one chunk even as a sentence, cut between words (and inside overlong words). */
    private List<Unit> words(String block, int[] starts, int from, int to) {
        int budget = maxTokens - overlapTokens;
        int characterBudget = maxCharacters - maxCharacters * overlapTokens / maxTokens;
        List<Unit> parts = new ArrayList<>();
        Matcher word = WORD.matcher(block).region(from, to);
        int partStart = -1;
        int partEnd = -1;
        int used = 0;
        while (word.find()) {
            for (int wordStart = word.start(); wordStart < word.end();) {
                int wordEnd = sliceEnd(starts, wordStart, word.end(), budget, characterBudget);
                int wordTokens = tokensBetween(starts, wordStart, wordEnd);
                if (partStart >= 0 && (used + wordTokens > budget || wordEnd - partStart > characterBudget)) {
                    parts.add(new Unit(block.substring(partStart, partEnd), used));
                    partStart = -1;
                    used = 0;
                }
                if (partStart < 0) {
                    partStart = wordStart;
                }
                partEnd = wordEnd;
                used += wordTokens;
                wordStart = wordEnd;
            }
        }
        if (partStart >= 0) {
            parts.add(new Unit(block.substring(partStart, partEnd), used));
        }
        return parts;
    }

    /** Where a slice of a word starting at {@code from} ends so that it fits both budgets (at least one char). */
    private static int sliceEnd(int[] starts, int from, int wordEnd, int tokenBudget, int characterBudget) {
        int end = Math.min(wordEnd, from + characterBudget);
        int first = lowerBound(starts, from);
        if (tokensBetween(starts, from, end) > tokenBudget && first + tokenBudget < starts.length) {
            end = Math.min(end, starts[first + tokenBudget]);
        }
        return Math.max(end, from + 1);
    }

    private static void addUnit(List<Unit> units, String text, int tokens) {
        String stripped = text.strip();
        if (!stripped.isEmpty()) {
            units.add(new Unit(stripped, tokens));
        }
    }

    private static int length(List<Unit> units) {
        return units.stream().mapToInt(u -> u.text().length() + 2).sum();
    }

    private static String join(List<Unit> units) {
        return String.join("\n\n", units.stream().map(Unit::text).toList());
    }

    /** How many tokens start in {@code [from, to)}, given the ascending token starts of the whole text. */
    static int tokensBetween(int[] starts, int from, int to) {
        return lowerBound(starts, to) - lowerBound(starts, from);
    }

    private static int lowerBound(int[] strictlyAscending, int key) {
        int found = Arrays.binarySearch(strictlyAscending, key);
        return found >= 0 ? found : -found - 1;
    }
}
