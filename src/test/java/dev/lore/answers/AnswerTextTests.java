package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.text.Sentences;
import dev.lore.retrieval.SearchHit;

/** Sentences, citation markers and source packing, without a database or a model. */
class AnswerTextTests {

    @Test
    void sentencesAreVerbatimAndSplitOnlyWhereASentenceCanStart() {
        assertThat(Sentences.split("# Leave\n\n- Staff earn 13 days, e.g. on holidays. After 3 years: 20 days!\n"
                + "Version 2.5 applies. (See HR.) Ask \"them\".")).containsExactly("Leave",
                        "Staff earn 13 days, e.g. on holidays.", "After 3 years: 20 days!", "Version 2.5 applies.",
                        "(See HR.)", "Ask \"them\".");
    }

    @Test
    void markersNamingNoSourceAreDroppedAndCountedAndQuotesComeFromTheCitedChunk() {
        Map<Integer, Source> sources = Map.of(
                1, source(1, "leave.md", "Leave policy. Staff earn 13 days of annual leave a year. Sick leave "
                        + "is separate."),
                2, source(2, "laptops.md", "New hires receive a laptop on day one."));

        CitationMarkers.Parsed parsed = CitationMarkers.parse("You get 13 days of annual leave [1, 5]. Sick leave "
                + "is separate. [1] Laptops come on day one [2][3]. Unknown [4].", sources);

        assertThat(parsed.text()).isEqualTo("You get 13 days of annual leave [1]. Sick leave is separate. [1] "
                + "Laptops come on day one [2]. Unknown.");
        assertThat(parsed.dropped()).isEqualTo(3);
        assertThat(parsed.citations()).extracting(Citation::n).containsExactly(1, 2);
        assertThat(parsed.citations().get(0).quote()).isEqualTo("Staff earn 13 days of annual leave a year.");
        assertThat(parsed.citations().get(1).quote()).isEqualTo("New hires receive a laptop on day one.");
    }

    @Test
    void sourcesArePackedBestFirstIntoTheBudgetOrderedLostInTheMiddleAndNumberedOnce() {
        SourceBook book = new SourceBook(hit -> SourceBook.render(0, hit).split("\\s+").length);
        List<SearchHit> hits = List.of(hit("a.md", "one two three"), hit("b.md", "one two three"),
                hit("c.md", "far too long a passage to fit in what is left of the budget"), hit("d.md", "one"),
                hit("e.md", "one"));

        List<Source> presented = book.present(hits, 24);

        assertThat(presented).extracting(s -> s.hit().source()).containsExactly("a.md", "d.md", "e.md", "b.md");
        assertThat(presented).extracting(Source::n).containsExactly(1, 2, 3, 4);
        List<Source> again = book.present(List.of(hits.get(2), hits.get(1)), 100);
        assertThat(again).extracting(s -> s.hit().source() + s.n()).containsExactly("c.md5", "b.md4");
    }

    private static Source source(int n, String name, String text) {
        return new Source(n, hit(name, text));
    }

    private static SearchHit hit(String source, String text) {
        return new SearchHit(UUID.randomUUID(), UUID.randomUUID(), source, source, null, text, 1, Map.of(), Map.of());
    }
}
