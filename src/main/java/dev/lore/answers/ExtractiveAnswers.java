package dev.lore.answers;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import dev.lore.text.Headings;
import dev.lore.text.Sentences;
import dev.lore.models.Embedder;
import dev.lore.models.Reranker;
import dev.lore.retrieval.SearchHit;

/**
 * Answers without a generator: the sentences of the top chunks that best answer the question, quoted verbatim and
 * cited. Sentences are scored by the cross-encoder when one is configured, else by embedding similarity to the
 * question blended with idf-weighted term overlap (the two catch paraphrases and exact names respectively).
 */
@Component
class ExtractiveAnswers {

    /** A further sentence joins the answer only when it scores within this distance of the best one. */
    static final double MARGIN = 0.15;
    /** The most a better-retrieved chunk's sentences gain over the last chunk's. */
    static final double RANK_PRIOR = 0.05;
    /**
     * What a sentence that states a quantity gains when the question asks for one ({@link Quantities}). Measured on
     * the handbook's three question sets at 0.05, 0.1 and 0.15: 0.1 answered four more of the employees' questions
     * and changed no answer of the other sets; 0.15 lost one of theirs.
     */
    static final double QUANTITY_BONUS = 0.1;

    private final Embedder embedder;
    private final Optional<Reranker> crossEncoder;
    private final AnswersProperties properties;

    ExtractiveAnswers(Embedder embedder, Map<String, Reranker> rerankers, AnswersProperties properties) {
        this.embedder = embedder;
        this.crossEncoder = Optional.ofNullable(rerankers.get("crossEncoderReranker"));
        this.properties = properties;
    }

    /**
     * The answer text with its markers, and the citations it makes, numbered in order of appearance; {@code best}:
     * the chosen sentence's score, how well the best single sentence answers (0 without one); {@code unstated}: the
     * figure the question asks for when no chosen sentence states one of its kind about what the question names, else
     * null.
     */
    record Extract(String answer, List<Citation> citations, String scorer, double best, Quantities.Figure unstated) {
    }

    /** A sentence of a hit, with the hit's other sentences around it so that it can take the one it depends on. */
    private record Candidate(String sentence, SearchHit hit, List<Sentences.Span> spans, int index, int rank) {
    }

    /** Openings that lean on the sentence before ("This includes…", "They must…"). */
    private static final Pattern DEPENDENT = Pattern.compile(
            "^(This|These|That|Those|It|Its|They|Their|Such|He|She|However|Also|Additionally|In addition|"
                    + "Otherwise|Then|Therefore|Instead|If so|In this case|In that case|Both|Either|Each of these)\\b");
    private static final Pattern LIST_ITEM = Pattern.compile(
            "^\\s*([-*+•]|\\d{1,3}[.)])\\s+");

    Extract answer(String question, List<SearchHit> hits) {
        return answer(question, "", hits);
    }

    /** The answer to {@code question}, asked after {@code earlier} (the earlier turns of a chat, or nothing). */
    Extract answer(String question, String earlier, List<SearchHit> hits) {
        List<Candidate> candidates = candidates(hits);
        if (candidates.isEmpty()) {
            return new Extract("", List.of(), scorer(), 0, null);
        }
        // each candidate's quote is what it is scored as and, when chosen, what the answer says
        List<Quote> quotes = candidates.stream().map(ExtractiveAnswers::quote).toList();
        double[] support = score(question, candidates, quotes);
        // how well the best sentence answers, for refusals, stays the score itself: the bonus only orders
        double supported = java.util.Arrays.stream(support).max().orElse(0);
        double[] scores = support.clone();
        if (crossEncoder.isEmpty() && Quantities.asked(question)) {
            for (int i = 0; i < scores.length; i++) {
                if (Quantities.stated(quotes.get(i).text())) {
                    scores[i] += QUANTITY_BONUS;
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        double best = scores[order.get(0)];
        List<Quote> chosen = new ArrayList<>();
        UUID bestDocument = candidates.get(order.get(0)).hit().documentId();
        for (int i : order) {
            if (chosen.size() == properties.extractiveSentences() || scores[i] < best - MARGIN) {
                break;
            }
            // most questions are answered by one page, and a second page's sentence was more often a distractor than
            // the rest of an answer (citation precision on the employees' questions 0.79 with others within 0.04 of
            // the best, 0.85 with the best sentence's page alone, at the same answer-string match)
            if (candidates.get(i).hit().documentId().equals(bestDocument)) {
                add(chosen, quotes.get(i));
            }
        }
        Map<UUID, Integer> numbers = new LinkedHashMap<>();
        List<Citation> citations = new ArrayList<>();
        StringBuilder answer = new StringBuilder();
        for (Quote chosenQuote : chosen) {
            SearchHit hit = chosenQuote.hit();
            Integer n = numbers.get(hit.chunkId());
            String quote = chosenQuote.text();
            if (n == null) {
                n = numbers.size() + 1;
                numbers.put(hit.chunkId(), n);
                citations.add(new Citation(n, hit.chunkId(), hit.documentId(), hit.source(), hit.title(), quote));
            }
            answer.append(answer.isEmpty() ? "" : " ").append(quote).append(" [").append(n).append(']');
        }
        Quantities.Figure unstated = Quantities.figureAsked(question).filter(figure -> chosen.stream()
                .noneMatch(quote -> figure.statedIn(quote.text()))
                || !speaksOf(Quantities.subject(question + "\n" + earlier), chosen)).orElse(null);
        return new Extract(answer.toString(), citations, scorer(), supported, unstated);
    }

    /**
     * Whether the quotes speak of something the question names beyond its ask, counting their page's title and
     * headings: a figure on a page none of whose quoted sentences shares a word with the question ("Average time to
     * process a detail: 2.5-3 months" for "How long does a background investigation take?") is a figure of something
     * else. A question whose words all ask ("How long does it take?") is not held to it.
     */
    private static boolean speaksOf(Set<String> subject, List<Quote> quotes) {
        if (subject.isEmpty()) {
            return true;
        }
        Set<String> words = new java.util.HashSet<>();
        for (Quote quote : quotes) {
            words.addAll(Terms.terms(Headings.trail(quote.hit().title(), quote.hit().headingPath()) + " "
                    + quote.text()));
        }
        return subject.stream().anyMatch(word -> words.stream().anyMatch(other -> alike(word, other)));
    }

    /**
     * Whether two words are taken as one, a stemmer's work done roughly: equal, one the start of the other ("meet",
     * "meeting"), or alike in their first six letters ("probationary", "probation").
     */
    static boolean alike(String a, String b) {
        String shorter = a.length() <= b.length() ? a : b;
        String longer = shorter == a ? b : a;
        return longer.startsWith(shorter) && (shorter.length() >= 4 || shorter.length() == longer.length())
                || shorter.length() >= 6 && longer.regionMatches(0, shorter, 0, 6);
    }

    /** A quote: its text, the hit it comes from, and which of the hit's sentences it holds. */
    record Quote(String text, SearchHit hit, BitSet sentences) {

        /** Whether this quote holds every sentence {@code other} holds, from the same chunk. */
        boolean holds(Quote other) {
            BitSet missing = (BitSet) other.sentences.clone();
            missing.andNot(sentences);
            return hit.chunkId().equals(other.hit.chunkId()) && missing.isEmpty();
        }
    }

    /**
     * Adds {@code quote} unless a chosen quote already holds all of it; a chosen quote it holds (the same sentence
     * without the one it depends on, a lead-in with fewer of its items) gives it its place. Without this, "It takes
     * two weeks." beside "Sick leave is paid. It takes two weeks." spent one of the few sentences an answer has.
     */
    static void add(List<Quote> chosen, Quote quote) {
        if (chosen.stream().anyMatch(earlier -> earlier.holds(quote))) {
            return;
        }
        int place = -1;
        for (int i = chosen.size() - 1; i >= 0; i--) {
            if (quote.holds(chosen.get(i))) {
                chosen.remove(i);
                place = i;
            }
        }
        if (place < 0) {
            chosen.add(quote);
        }
        else {
            chosen.add(place, quote);
        }
    }

    /**
     * A chosen sentence with what it cannot be read without: the sentence before it when it opens with a word that
     * points back ("This includes…"), a list item's lead-in line ("You may:"), and, for a lead-in, its items. Each
     * piece is quoted as the source has it.
     */
    static Quote quote(Candidate candidate) {
        String text = candidate.hit().text();
        List<Sentences.Span> spans = candidate.spans();
        Sentences.Span span = spans.get(candidate.index());
        BitSet held = new BitSet();
        held.set(candidate.index());
        int lineStart = text.lastIndexOf('\n', span.start() - 1) + 1;
        String before = "";
        if (LIST_ITEM.matcher(text.substring(lineStart)).lookingAt() && span.start() <= lineStart + 8) {
            // an item: the nearest line above that is no item, when it introduces the list
            for (int i = candidate.index() - 1; i >= 0; i--) {
                Sentences.Span previous = spans.get(i);
                int start = text.lastIndexOf('\n', previous.start() - 1) + 1;
                if (!LIST_ITEM.matcher(text.substring(start)).lookingAt()) {
                    if (previous.text().endsWith(":")) {
                        before = previous.text() + " ";
                        held.set(i);
                    }
                    break;
                }
            }
        }
        else if (DEPENDENT.matcher(span.text()).find() && candidate.index() > 0) {
            before = spans.get(candidate.index() - 1).text() + " ";
            held.set(candidate.index() - 1);
        }
        StringBuilder after = new StringBuilder();
        if (span.text().endsWith(":")) {
            for (int i = candidate.index() + 1; i < spans.size() && i <= candidate.index() + 4; i++) {
                Sentences.Span next = spans.get(i);
                int start = text.lastIndexOf('\n', next.start() - 1) + 1;
                if (!LIST_ITEM.matcher(text.substring(start)).lookingAt()) {
                    break;
                }
                after.append(after.isEmpty() ? " " : "; ").append(next.text());
                held.set(i);
            }
        }
        return new Quote(before + span.text() + after, candidate.hit(), held);
    }

    String scorer() {
        return crossEncoder.map(reranker -> "cross-encoder").orElse("similarity+overlap");
    }

    private List<Candidate> candidates(List<SearchHit> hits) {
        List<Candidate> candidates = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int rank = 0; rank < Math.min(hits.size(), properties.extractiveChunks()); rank++) {
            SearchHit hit = hits.get(rank);
            List<Sentences.Span> spans = Sentences.spans(hit.text());
            for (int i = 0; i < spans.size(); i++) {
                String sentence = spans.get(i).text();
                int words = Sentences.words(sentence);
                if (words >= 4 && words <= 80 && seen.add(sentence)) {
                    candidates.add(new Candidate(sentence, hit, spans, i, rank));
                }
            }
        }
        return candidates;
    }

    /**
     * Each candidate is scored as read in its place: its document's heading trail and the sentence with what it
     * depends on ("Sick leave: It takes two weeks."), so a sentence about the question's topic that does not repeat
     * the topic's name still ranks; a small prior keeps ties with the better-retrieved chunk.
     */
    private double[] score(String question, List<Candidate> candidates, List<Quote> quotes) {
        List<String> sentences = quotes.stream().map(q -> Headings.trail(q.hit().title(), q.hit().headingPath())
                + ": " + q.text()).toList();
        double[] scores = new double[sentences.size()];
        if (crossEncoder.isPresent()) {
            // probabilities already, as in Attributions: the cross-encoder puts its logits through a sigmoid unless
            // lore.rerank.cross-encoder.sigmoid says not to; a second one squeezed them into [0.5, 0.73]
            List<Double> probabilities = crossEncoder.get().score(question, sentences);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = probabilities.get(i);
            }
            return scores;
        }
        float[] query = embedder.embedQuery(question);
        List<float[]> vectors = embedder.embedDocuments(sentences);
        Terms terms = new Terms(question, sentences);
        for (int i = 0; i < scores.length; i++) {
            scores[i] = terms.agreement(i, Embedder.cosine(query, vectors.get(i)))
                    + RANK_PRIOR * (1 - (double) candidates.get(i).rank() / properties.extractiveChunks());
        }
        return scores;
    }

}
