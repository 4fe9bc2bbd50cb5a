package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.lore.models.Embedder;
import dev.lore.models.Reranker;
import dev.lore.retrieval.SearchHit;

/**
 * Cites what a generated answer leaves uncited: each sentence without an {@code [n]} is attributed to the source
 * sentence that agrees with it best (embedding cosine blended with idf-weighted word overlap, or the cross-encoder's
 * probability when one is configured) when that agreement reaches the threshold, and is listed as unsupported
 * otherwise. Refusals and short connective sentences ("In short:") are neither. A FLARE sentence written after a
 * re-retrieval is attributed among the chunks that re-retrieval brought first.
 */
@Component
class Attributions {

    /** A sentence needs this many content words to make a claim worth a source; shorter ones connect. */
    static final int CLAIM_TERMS = 3;

    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    private static final Pattern HEDGE = Pattern.compile("(?i)\\b(documents|sources|context|provided (text|"
            + "information)|handbook)\\b.*\\b(do|does|did|can)(n't| not)\\b|\\bI (do not|don't|cannot|can't) "
            + "(know|find|tell|say)\\b|\\bno (information|mention)\\b");

    private final Embedder embedder;
    private final Optional<Reranker> crossEncoder;
    private final AttributionProperties properties;
    // a chunk's sentences and their vectors: the same popular chunks back many answers
    private final Cache<UUID, Embedded> embedded = Caffeine.newBuilder().maximumSize(20_000).build();

    Attributions(Embedder embedder, Map<String, Reranker> rerankers, AttributionProperties properties) {
        this.embedder = embedder;
        this.crossEncoder = Optional.ofNullable(rerankers.get("crossEncoderReranker"));
        this.properties = properties;
    }

    /** A stretch of a FLARE answer as the model wrote it, and the chunks of the re-retrieval it followed. */
    record Written(String text, List<UUID> retrieved) {
    }

    /** The model's citations followed by the attributed ones, and the sentences nothing supports. */
    record Attributed(List<Citation> citations, List<String> unsupported) {
    }

    private record Embedded(List<String> sentences, List<float[]> vectors) {
    }

    /** A claim and, once first scored, its embedding: a FLARE claim may be scored against two pools. */
    private final class Stated {

        private final String text;
        private float[] vector;

        Stated(String text) {
            this.text = text;
        }

        float[] vector() {
            if (vector == null) {
                vector = embedder.embedDocuments(List.of(text)).get(0);
            }
            return vector;
        }
    }

    /** A source sentence that may support a claim. */
    private record Candidate(String sentence, Source source, float[] vector) {
    }

    /**
     * Attributes the uncited sentences of a parsed answer among {@code sources} (every source of the answer, by
     * number); {@code written}: FLARE's stretches in order (empty for other strategies).
     */
    Attributed attribute(CitationMarkers.Parsed parsed, Map<Integer, Source> sources, List<Written> written,
            String refusal) {
        List<Citation> citations = new ArrayList<>(parsed.citations());
        List<String> unsupported = new ArrayList<>();
        List<CitationMarkers.Claim> claims = CitationMarkers.claims(parsed.text());
        List<List<UUID>> retrievedFor = retrievedFor(claims, written);
        for (int i = 0; i < claims.size(); i++) {
            String claim = claims.get(i).sentence();
            if (!claims.get(i).cited().isEmpty() || !claims(claim, refusal) || sources.isEmpty()) {
                continue;
            }
            List<UUID> retrieved = retrievedFor.get(i);
            List<Source> first = sources.values().stream()
                    .filter(source -> retrieved.isEmpty() || retrieved.contains(source.hit().chunkId())).toList();
            Stated stated = new Stated(claim);
            Optional<Citation> citation = support(stated, first);
            if (citation.isEmpty() && first.size() < sources.size()) {
                citation = support(stated, sources.values().stream().filter(source -> !first.contains(source))
                        .toList());
            }
            citation.ifPresentOrElse(citations::add, () -> unsupported.add(claim));
        }
        return new Attributed(citations, unsupported);
    }

    /** Whether a sentence makes a claim that needs a source: not a refusal, not a short connective. */
    static boolean claims(String sentence, String refusal) {
        if (Answerer.refuses(sentence, refusal) || HEDGE.matcher(sentence).find()) {
            return false;
        }
        return Terms.terms(sentence).size() >= CLAIM_TERMS && !sentence.strip().endsWith(":");
    }

    /** The attributed citation of the source sentence agreeing best with {@code claim}, if any reaches the bar. */
    private Optional<Citation> support(Stated claim, List<Source> pool) {
        if (pool.isEmpty()) {
            return Optional.empty();
        }
        List<Candidate> candidates = candidates(pool);
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        double[] scores = scores(claim, candidates);
        int best = -1;
        for (int i = 0; i < scores.length; i++) {
            if (best < 0 || scores[i] > scores[best]) {
                best = i;
            }
        }
        if (scores[best] < threshold()) {
            return Optional.empty();
        }
        Candidate chosen = candidates.get(best);
        SearchHit hit = chosen.source().hit();
        return Optional.of(new Citation(chosen.source().n(), hit.chunkId(), hit.documentId(), hit.source(),
                hit.title(), chosen.sentence(), true, claim.text));
    }

    private List<Candidate> candidates(List<Source> pool) {
        List<Candidate> candidates = new ArrayList<>();
        for (Source source : pool) {
            Embedded chunk = crossEncoder.isPresent()
                    ? new Embedded(CitationMarkers.quotable(source.hit().text()), null)
                    : embedded.get(source.hit().chunkId(), id -> embed(source.hit().text()));
            for (int i = 0; i < chunk.sentences().size(); i++) {
                candidates.add(new Candidate(chunk.sentences().get(i), source,
                        chunk.vectors() == null ? null : chunk.vectors().get(i)));
            }
        }
        return candidates;
    }

    private Embedded embed(String text) {
        List<String> sentences = CitationMarkers.quotable(text);
        return new Embedded(sentences, sentences.isEmpty() ? List.of() : embedder.embedDocuments(sentences));
    }

    private double[] scores(Stated stated, List<Candidate> candidates) {
        String claim = stated.text;
        List<String> sentences = candidates.stream().map(Candidate::sentence).toList();
        double[] scores = new double[candidates.size()];
        if (crossEncoder.isPresent()) {
            // a probability already: the cross-encoder puts single logits through a sigmoid unless told not to
            List<Double> probabilities = crossEncoder.get().score(claim, sentences);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = probabilities.get(i);
            }
        }
        else {
            float[] vector = stated.vector();
            Terms terms = new Terms(claim, sentences);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = terms.agreement(i, Embedder.cosine(vector, candidates.get(i).vector()));
            }
        }
        for (int i = 0; i < scores.length; i++) {
            if (!numbersAgree(claim, sentences.get(i))) {
                scores[i] = 0;
            }
        }
        return scores;
    }

    /** Each of {@code sentences}' agreement with {@code claim}, scored as attribution scores a source's sentences. */
    double[] agreements(String claim, List<String> sentences) {
        List<float[]> vectors = crossEncoder.isPresent() ? null : embedder.embedDocuments(sentences);
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            candidates.add(new Candidate(sentences.get(i), null, vectors == null ? null : vectors.get(i)));
        }
        return scores(new Stated(claim), candidates);
    }

    /** The threshold in force: the cross-encoder's when one is configured. */
    double threshold() {
        return crossEncoder.isPresent() ? properties.minCrossEncoder() : properties.minAgreement();
    }

    /**
     * Whether every number the claim states appears in the source sentence: "20 days" is not supported by a
     * sentence about 13 days, however similar the two read.
     */
    static boolean numbersAgree(String claim, String source) {
        Set<String> stated = numbers(claim);
        return stated.isEmpty() || numbers(source).containsAll(stated);
    }

    private static Set<String> numbers(String text) {
        Set<String> numbers = new LinkedHashSet<>();
        Matcher number = NUMBER.matcher(text);
        while (number.find()) {
            numbers.add(number.group().replace(",", ""));
        }
        return numbers;
    }

    /**
     * The re-retrieved chunks in force where each claim ends in the FLARE answer ({@code written}), matched on the
     * text without markers or white space; empty where none was (or for other strategies).
     */
    static List<List<UUID>> retrievedFor(List<CitationMarkers.Claim> claims, List<Written> written) {
        StringBuilder compact = new StringBuilder();
        List<Integer> pieceAt = new ArrayList<>();
        for (int piece = 0; piece < written.size(); piece++) {
            String text = compact(written.get(piece).text());
            compact.append(text);
            for (int i = 0; i < text.length(); i++) {
                pieceAt.add(piece);
            }
        }
        List<List<UUID>> retrieved = new ArrayList<>();
        int from = 0;
        for (CitationMarkers.Claim claim : claims) {
            String sentence = compact(claim.sentence());
            int at = sentence.isEmpty() ? -1 : compact.indexOf(sentence, from);
            if (at < 0) {
                retrieved.add(List.of());
                continue;
            }
            from = at + sentence.length();
            retrieved.add(written.get(pieceAt.get(from - 1)).retrieved());
        }
        return retrieved;
    }

    private static String compact(String text) {
        return CitationMarkers.MARKER.matcher(text).replaceAll("").replaceAll("\\s+", "");
    }
}
