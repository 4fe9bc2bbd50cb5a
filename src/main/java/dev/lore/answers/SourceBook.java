package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToIntFunction;


import dev.lore.retrieval.ContextOrdering;
import dev.lore.retrieval.SearchHit;
import dev.lore.text.Headings;

/**
 * The sources of one answer: chunks packed best first into a token budget, ordered "lost in the middle" for the
 * prompt, and numbered once, so a chunk keeps its {@code [n]} across FLARE's retrievals.
 */
final class SourceBook {

    private final Map<UUID, Source> numbered = new LinkedHashMap<>();
    private final ToIntFunction<SearchHit> tokens;

    /** {@code tokens}: what a hit costs in the prompt, as {@link #render(int, SearchHit)} shows it. */
    SourceBook(ToIntFunction<SearchHit> tokens) {
        this.tokens = tokens;
    }

    /**
     * The hits that fit {@code budget} tokens, taken best first (a hit that does not fit is skipped for smaller
     * ones), ordered for the prompt with the strongest at its start and end, and numbered in that order where new.
     */
    List<Source> present(List<SearchHit> bestFirst, int budget) {
        List<SearchHit> packed = new ArrayList<>();
        int used = 0;
        for (SearchHit hit : bestFirst) {
            int cost = tokens.applyAsInt(hit);
            if (used + cost <= budget) {
                packed.add(hit);
                used += cost;
            }
        }
        List<Source> presented = new ArrayList<>();
        for (SearchHit hit : ContextOrdering.lostInTheMiddle(packed)) {
            presented.add(numbered.computeIfAbsent(hit.chunkId(), id -> new Source(numbered.size() + 1, hit)));
        }
        return presented;
    }

    /** Every source numbered so far, by number. */
    Map<Integer, Source> byNumber() {
        Map<Integer, Source> byNumber = new LinkedHashMap<>();
        numbered.values().forEach(source -> byNumber.put(source.n(), source));
        return byNumber;
    }

    static String render(List<Source> sources) {
        StringBuilder text = new StringBuilder();
        for (Source source : sources) {
            text.append(render(source.n(), source.hit())).append('\n');
        }
        return text.toString().strip();
    }

    static String render(int n, SearchHit hit) {
        String title = hit.title() == null || hit.title().isBlank() ? hit.source() : hit.title();
        // the heading path says what a chunk is about when its own sentences do not ("It takes two weeks.")
        return "[" + n + "] " + Headings.trail(title, hit.headingPath()) + " (" + hit.source() + ")\n"
                + hit.text().strip() + "\n";
    }
}
