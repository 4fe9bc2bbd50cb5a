package dev.lore.answers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Scores answers against labelled questions: the share of answerable questions whose answer holds every expected
 * string, citation validity (the cited chunk was retrieved for the answer), citation precision and recall against
 * the relevant sources, refusal precision and recall, model calls and tokens per answer, and latency percentiles.
 */
final class AnswerMetrics {

    /** One labelled question: strings the answer must contain, its relevant sources, or that nothing answers it. */
    record Labelled(String id, String question, List<String> answerContains, List<String> relevant,
            boolean unanswerable) {
    }

    /** One question's answer and what it scored. */
    record Scored(String id, String answer, boolean refused, Boolean containsAll, List<String> citedSources,
            double support, int llmCalls, long millis) {
    }

    private final List<Scored> scored = new ArrayList<>();
    private int answerable;
    private int withExpected;
    private int containing;
    private int unanswerable;
    private int refusedUnanswerable;
    private int refusedAnswerable;
    private int citations;
    private int validCitations;
    private double precisionSum;
    private int precisionCount;
    private double recallSum;
    private int recallCount;
    private long calls;
    private long promptTokens;
    private long completionTokens;
    private final List<Long> latencies = new ArrayList<>();

    Scored add(Labelled question, Answer answer, long millis) {
        boolean refused = !answer.grounded();
        String text = normalize(CitationMarkers.MARKER.matcher(answer.answer()).replaceAll(" "));
        Boolean containsAll = null;
        Set<String> cited = new LinkedHashSet<>();
        answer.citations().forEach(citation -> cited.add(citation.source()));
        Set<Object> retrieved = new LinkedHashSet<>();
        answer.retrievals().forEach(step -> retrieved.addAll(step.chunkIds()));
        citations += answer.citations().size();
        validCitations += (int) answer.citations().stream().filter(c -> retrieved.contains(c.chunkId())).count();
        if (question.unanswerable()) {
            unanswerable++;
            refusedUnanswerable += refused ? 1 : 0;
        }
        else {
            answerable++;
            refusedAnswerable += refused ? 1 : 0;
            if (!question.answerContains().isEmpty()) {
                withExpected++;
                containsAll = question.answerContains().stream().allMatch(s -> text.contains(normalize(s)));
                containing += containsAll ? 1 : 0;
            }
            if (!question.relevant().isEmpty()) {
                long hits = cited.stream().filter(source -> matches(source, question.relevant())).count();
                if (!cited.isEmpty()) {
                    precisionSum += (double) hits / cited.size();
                    precisionCount++;
                }
                long found = question.relevant().stream().filter(r -> matches(r, cited)).count();
                recallSum += (double) found / question.relevant().size();
                recallCount++;
            }
        }
        calls += answer.usage().llmCalls();
        promptTokens += answer.usage().promptTokens();
        completionTokens += answer.usage().completionTokens();
        latencies.add(millis);
        Scored result = new Scored(question.id(), answer.answer(), refused, containsAll, List.copyOf(cited),
                answer.support(), answer.usage().llmCalls(), millis);
        scored.add(result);
        return result;
    }

    List<Scored> scored() {
        return scored;
    }

    Map<String, Object> summary() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        int n = scored.size();
        metrics.put("answers", n);
        metrics.put("containsAll", ratio(containing, withExpected));
        metrics.put("citationValidity", ratio(validCitations, citations));
        metrics.put("citationPrecision", precisionCount == 0 ? null : round(precisionSum / precisionCount));
        metrics.put("citationRecall", recallCount == 0 ? null : round(recallSum / recallCount));
        int refused = refusedAnswerable + refusedUnanswerable;
        metrics.put("refusalPrecision", ratio(refusedUnanswerable, refused));
        metrics.put("refusalRecall", ratio(refusedUnanswerable, unanswerable));
        metrics.put("answerableRefused", ratio(refusedAnswerable, answerable));
        metrics.put("llmCallsPerAnswer", n == 0 ? null : round((double) calls / n));
        metrics.put("promptTokensPerAnswer", n == 0 ? null : round((double) promptTokens / n));
        metrics.put("completionTokensPerAnswer", n == 0 ? null : round((double) completionTokens / n));
        metrics.put("p50Ms", percentile(latencies, 0.50));
        metrics.put("p95Ms", percentile(latencies, 0.95));
        return metrics;
    }

    /** A source matches a label equal to it, with or without its extension. */
    static boolean matches(String source, Collection<String> labels) {
        for (String label : labels) {
            if (source.equals(label) || stripExtension(source).equals(stripExtension(label))) {
                return true;
            }
        }
        return false;
    }

    private static String stripExtension(String source) {
        int dot = source.lastIndexOf('.');
        int slash = source.lastIndexOf('/');
        return dot > slash ? source.substring(0, dot) : source;
    }

    static String normalize(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[\\s\\u00a0]+", " ").replace('’', '\'').strip();
    }

    static Long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static Double ratio(int part, int whole) {
        return whole == 0 ? null : round((double) part / whole);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
