package dev.lore.answers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.stereotype.Component;

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

    static final double SIMILARITY_WEIGHT = 0.6;
    /** A further sentence joins the answer only when it scores within this distance of the best one. */
    static final double MARGIN = 0.15;

    private final Embedder embedder;
    private final Optional<Reranker> crossEncoder;
    private final AnswersProperties properties;

    ExtractiveAnswers(Embedder embedder, Map<String, Reranker> rerankers, AnswersProperties properties) {
        this.embedder = embedder;
        this.crossEncoder = Optional.ofNullable(rerankers.get("crossEncoderReranker"));
        this.properties = properties;
    }

    /** The answer text with its markers, and the citations it makes, numbered in order of appearance. */
    record Extract(String answer, List<Citation> citations, String scorer) {
    }

    private record Candidate(String sentence, SearchHit hit) {
    }

    Extract answer(String question, List<SearchHit> hits) {
        List<Candidate> candidates = candidates(hits);
        if (candidates.isEmpty()) {
            return new Extract("", List.of(), scorer());
        }
        double[] scores = score(question, candidates);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        double best = scores[order.get(0)];
        List<Candidate> chosen = new ArrayList<>();
        for (int i : order) {
            if (chosen.size() == properties.extractiveSentences() || scores[i] < best - MARGIN) {
                break;
            }
            chosen.add(candidates.get(i));
        }
        Map<UUID, Integer> numbers = new LinkedHashMap<>();
        List<Citation> citations = new ArrayList<>();
        StringBuilder answer = new StringBuilder();
        for (Candidate candidate : chosen) {
            SearchHit hit = candidate.hit();
            Integer n = numbers.get(hit.chunkId());
            if (n == null) {
                n = numbers.size() + 1;
                numbers.put(hit.chunkId(), n);
                citations.add(new Citation(n, hit.chunkId(), hit.documentId(), hit.source(), hit.title(),
                        candidate.sentence()));
            }
            answer.append(answer.isEmpty() ? "" : " ").append(candidate.sentence()).append(" [").append(n)
                    .append(']');
        }
        return new Extract(answer.toString(), citations, scorer());
    }

    String scorer() {
        return crossEncoder.map(reranker -> "cross-encoder").orElse("similarity+overlap");
    }

    private List<Candidate> candidates(List<SearchHit> hits) {
        List<Candidate> candidates = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int rank = 0; rank < Math.min(hits.size(), properties.extractiveChunks()); rank++) {
            SearchHit hit = hits.get(rank);
            for (String sentence : Sentences.split(hit.text())) {
                int words = Sentences.words(sentence);
                if (words >= 4 && words <= 80 && seen.add(sentence)) {
                    candidates.add(new Candidate(sentence, hit));
                }
            }
        }
        return candidates;
    }

    private double[] score(String question, List<Candidate> candidates) {
        List<String> sentences = candidates.stream().map(Candidate::sentence).toList();
        double[] scores = new double[sentences.size()];
        if (crossEncoder.isPresent()) {
            List<Double> logits = crossEncoder.get().score(question, sentences);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = 1 / (1 + Math.exp(-logits.get(i)));
            }
            return scores;
        }
        float[] query = embedder.embedQuery(question);
        List<float[]> vectors = embedder.embedDocuments(sentences);
        Terms terms = new Terms(question, sentences);
        for (int i = 0; i < scores.length; i++) {
            scores[i] = SIMILARITY_WEIGHT * Embedder.cosine(query, vectors.get(i))
                    + (1 - SIMILARITY_WEIGHT) * terms.overlap(i);
        }
        return scores;
    }

}
