package dev.lore.documents.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChunkerTests {

    /** One token per whitespace-separated word keeps the arithmetic of these tests visible. */
    private static int words(String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
    }

    /** Token starts of that one-token-per-word tokenizer. */
    static int[] wordStarts(String text) {
        return java.util.regex.Pattern.compile("\\S+").matcher(text).results().mapToInt(m -> m.start()).toArray();
    }

    private final Chunker chunker = new Chunker(20, 4, ChunkerTests::wordStarts);

    @Test
    void aSectionThatFitsStaysWholeAndCarriesItsHeadingPath() {
        ParsedDocument document = new ParsedDocument("Handbook",
                List.of(new Section(List.of("Leave", "Annual"), List.of("one two three", "four five"))), Map.of());
        List<Chunk> chunks = chunker.chunk(document);
        assertThat(chunks).singleElement().satisfies(chunk -> {
            assertThat(chunk.headingPath()).isEqualTo("Leave > Annual");
            assertThat(chunk.text()).isEqualTo("one two three\n\nfour five");
            assertThat(chunk.embeddingText()).isEqualTo("Handbook > Leave > Annual\none two three\n\nfour five");
        });
    }

    @Test
    void smallSiblingSectionsArePackedUnderTheirCommonHeadings() {
        ParsedDocument document = new ParsedDocument("T", List.of(
                new Section(List.of("Leave", "Annual"), List.of("a b c")),
                new Section(List.of("Leave", "Sick"), List.of("d e f"))), Map.of());
        assertThat(chunker.chunk(document)).singleElement().satisfies(chunk -> {
            assertThat(chunk.headingPath()).isEqualTo("Leave");
            assertThat(chunk.text()).isEqualTo("Annual\na b c\n\nSick\nd e f");
        });
    }

    @Test
    void aLongSectionIsCutWithOverlapAndNoPieceExceedsTheLimit() {
        StringBuilder sentence = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sentence.append("Sentence number ").append(i).append(" ends here. ");
        }
        ParsedDocument document = new ParsedDocument("T",
                List.of(new Section(List.of("Long"), List.of(sentence.toString().strip()))), Map.of());
        List<Chunk> chunks = new Chunker(20, 6, ChunkerTests::wordStarts).chunk(document);
        assertThat(chunks).hasSizeGreaterThan(5);
        assertThat(chunks).allSatisfy(c -> assertThat(words(c.text())).isLessThanOrEqualTo(20));
        assertThat(chunks).allSatisfy(c -> assertThat(c.headingPath()).isEqualTo("Long"));
        for (int i = 1; i < chunks.size(); i++) {
            String previous = chunks.get(i - 1).text();
            String lastSentence = previous.substring(previous.lastIndexOf("Sentence"));
            assertThat(chunks.get(i).text()).as("chunk %d starts with the end of chunk %d", i, i - 1)
                    .startsWith(lastSentence);
        }
        String all = String.join(" ", chunks.stream().map(Chunk::text).toList());
        for (int i = 0; i < 30; i++) {
            assertThat(all).contains("number " + i + " ends");
        }
        assertThat(chunks).extracting(Chunk::ordinal).containsExactly(
                java.util.stream.IntStream.range(0, chunks.size()).boxed().toArray(Integer[]::new));
    }

    @Test
    void aRunWithoutSentenceBreaksIsCutAtWords() {
        String run = String.join(" ", java.util.Collections.nCopies(70, "word"));
        List<Chunk> chunks = chunker.chunk(new ParsedDocument("T",
                List.of(new Section(List.of(), List.of(run))), Map.of()));
        assertThat(chunks).hasSizeGreaterThanOrEqualTo(4);
        assertThat(chunks).allSatisfy(c -> assertThat(words(c.text())).isLessThanOrEqualTo(20));
    }

    @Test
    void countsTheTokensThatStartInsideAStretch() {
        int[] starts = { 0, 4, 9, 15 };
        assertThat(Chunker.tokensBetween(starts, 0, 20)).isEqualTo(4);
        assertThat(Chunker.tokensBetween(starts, 4, 15)).isEqualTo(2);
        assertThat(Chunker.tokensBetween(starts, 5, 9)).isZero();
        assertThat(Chunker.tokensBetween(starts, 5, 10)).isEqualTo(1);
    }

    @Test
    void refusesNonsenseSizes() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Chunker(8, 0, ChunkerTests::wordStarts));
        assertThatIllegalArgumentException().isThrownBy(() -> new Chunker(100, 60, ChunkerTests::wordStarts));
    }

    @Test
    void aRunWithoutSpacesThatTheTokenizerCountsAsOneTokenIsStillCutToTheCharacterLimit() {
        // a WordPiece tokenizer turns any word over 100 characters into one unknown token: 1 MB is "one token"
        String run = "x".repeat(1_000_000);
        ParsedDocument document = new ParsedDocument("T", List.of(new Section(List.of(), List.of(
                "before the run", run, "after the run"))), Map.of());
        List<Chunk> chunks = chunker.chunk(document);
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.text().length()).isLessThanOrEqualTo(20 * 8));
        assertThat(chunks.stream().mapToInt(c -> c.text().replace("\n", "").replaceAll("[^x]", "").length()).sum())
                .as("every character of the run is kept, overlap aside").isGreaterThanOrEqualTo(run.length());
        assertThat(chunks.get(0).text()).startsWith("before the run");
        assertThat(chunks.get(chunks.size() - 1).text()).endsWith("after the run");
    }
}
