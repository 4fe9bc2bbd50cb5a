package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lore.text.Sentences;
import dev.lore.retrieval.SearchHit;

/**
 * Turns a generated answer's {@code [n]} markers into citations: markers naming no source are dropped from the text
 * and counted, and each citation quotes the sentence of its chunk that shares the most weighted words with the
 * answer sentences citing it.
 */
final class CitationMarkers {

    static final Pattern MARKER = Pattern.compile("\\[(\\d{1,4}(?:\\s*[,;]\\s*\\d{1,4})*)]");
    private static final Pattern LEADING_MARKERS = Pattern.compile("^(\\s*\\[\\d{1,4}(?:\\s*[,;]\\s*\\d{1,4})*])+");

    /** The answer with only valid markers left, its citations by number, and how many markers were dropped. */
    record Parsed(String text, List<Citation> citations, int dropped) {
    }

    private CitationMarkers() {
    }

    static Parsed parse(String answer, Map<Integer, Source> sources) {
        int dropped = 0;
        StringBuilder cleaned = new StringBuilder();
        Matcher marker = MARKER.matcher(answer);
        int last = 0;
        while (marker.find()) {
            List<String> kept = new ArrayList<>();
            for (String number : marker.group(1).split("\\s*[,;]\\s*")) {
                if (sources.containsKey(Integer.parseInt(number))) {
                    kept.add(number);
                }
                else {
                    dropped++;
                }
            }
            String before = answer.substring(last, marker.start());
            if (kept.isEmpty()) {
                cleaned.append(before.stripTrailing());
            }
            else {
                cleaned.append(before).append('[').append(String.join(", ", kept)).append(']');
            }
            last = marker.end();
        }
        cleaned.append(answer.substring(last));
        String text = cleaned.toString().strip();
        return new Parsed(text, citations(text, sources), dropped);
    }

    /** A sentence of an answer without its markers, and the source numbers its markers name. */
    record Claim(String sentence, Set<Integer> cited) {
    }

    /** The answer's sentences in order with their markers (a sentence's leading markers go to the one before). */
    static List<Claim> claims(String text) {
        List<Claim> claims = new ArrayList<>();
        for (String sentence : attachLeadingMarkers(Sentences.split(text))) {
            Set<Integer> cited = new LinkedHashSet<>();
            Matcher marker = MARKER.matcher(sentence);
            while (marker.find()) {
                for (String number : marker.group(1).split("\\s*[,;]\\s*")) {
                    cited.add(Integer.parseInt(number));
                }
            }
            String claim = MARKER.matcher(sentence).replaceAll("").replaceAll("\\s+([.,;:!?])", "$1").strip();
            if (!claim.isEmpty()) {
                claims.add(new Claim(claim, Set.copyOf(cited)));
            }
        }
        return claims;
    }

    private static List<Citation> citations(String text, Map<Integer, Source> sources) {
        Map<Integer, List<String>> claimed = new TreeMap<>();
        for (Claim claim : claims(text)) {
            claim.cited().stream().sorted().forEach(n -> claimed.computeIfAbsent(n, k -> new ArrayList<>())
                    .add(claim.sentence()));
        }
        List<Citation> citations = new ArrayList<>();
        claimed.forEach((n, claims) -> {
            SearchHit hit = sources.get(n).hit();
            citations.add(new Citation(n, hit.chunkId(), hit.documentId(), hit.source(), hit.title(),
                    bestQuote(claims, hit.text())));
        });
        return citations;
    }

    /** The chunk sentence with the highest overlap with any claim; the first sentence when none overlaps. */
    static String bestQuote(List<String> claims, String chunk) {
        List<String> candidates = quotable(chunk);
        if (candidates.isEmpty()) {
            candidates = Sentences.split(chunk);
        }
        if (candidates.isEmpty()) {
            return chunk.strip();
        }
        String best = candidates.get(0);
        double bestScore = 0;
        for (String claim : claims) {
            Terms terms = new Terms(claim, candidates);
            for (int i = 0; i < candidates.size(); i++) {
                double score = terms.overlap(i);
                if (score > bestScore) {
                    bestScore = score;
                    best = candidates.get(i);
                }
            }
        }
        return best;
    }

    /** A chunk's sentences that can back a claim: those of three words or more (no headings or stray labels). */
    static List<String> quotable(String chunk) {
        return Sentences.split(chunk).stream().filter(sentence -> Sentences.words(sentence) >= 3).toList();
    }

    /** A sentence that starts with markers ("... leave. [2] Next ...") gives them to the sentence before it. */
    private static List<String> attachLeadingMarkers(List<String> sentences) {
        List<String> attached = new ArrayList<>();
        for (String sentence : sentences) {
            Matcher leading = LEADING_MARKERS.matcher(sentence);
            if (leading.find() && !attached.isEmpty()) {
                attached.set(attached.size() - 1, attached.get(attached.size() - 1) + " " + leading.group().strip());
                String rest = sentence.substring(leading.end()).strip();
                if (!rest.isEmpty()) {
                    attached.add(rest);
                }
            }
            else {
                attached.add(sentence);
            }
        }
        return attached;
    }
}
