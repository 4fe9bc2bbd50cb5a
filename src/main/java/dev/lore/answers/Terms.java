package dev.lore.answers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Term overlap between a query and short texts, weighted like BM25's idf over the texts compared: the share of the
 * query's (stemmed, non-stop) words' weight that a text contains. Lexical support needs no model call.
 */
final class Terms {

    /** The cosine's weight in {@link #agreement}; 0.75 was measured and picked worse sentences. */
    static final double SIMILARITY_WEIGHT = 0.6;

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final Set<String> STOP = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "can", "do",
            "does", "for", "from", "get", "has", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of",
            "on", "or", "our", "should", "so", "that", "the", "their", "there", "this", "to", "was", "we", "what",
            "when", "where", "which", "who", "why", "will", "with", "you", "your", "am", "any", "about", "into",
            "much", "many", "than", "then", "them", "they", "these", "those", "not", "no", "would", "could");

    private final Set<String> query;
    private final Map<String, Double> idf = new HashMap<>();
    private final List<Set<String>> texts = new ArrayList<>();

    /** Prepares to compare {@code query} with each of {@code texts}, in order. */
    Terms(String query, List<String> texts) {
        this.query = terms(query);
        Map<String, Integer> documentFrequency = new HashMap<>();
        for (String text : texts) {
            Set<String> terms = terms(text);
            this.texts.add(terms);
            terms.forEach(term -> documentFrequency.merge(term, 1, Integer::sum));
        }
        int n = texts.size();
        for (String term : this.query) {
            int df = documentFrequency.getOrDefault(term, 0);
            idf.put(term, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
        }
    }

    /**
     * How much text {@code index} agrees with the query, given their embeddings' cosine: the blend of cosine and
     * word overlap that extractive answers pick sentences by and attribution's {@code min-agreement} is measured on.
     */
    double agreement(int index, double cosine) {
        return SIMILARITY_WEIGHT * cosine + (1 - SIMILARITY_WEIGHT) * overlap(index);
    }

    /** The share in [0, 1] of the query's weight found in text {@code index}. */
    double overlap(int index) {
        double total = 0;
        double found = 0;
        Set<String> text = texts.get(index);
        for (String term : query) {
            double weight = idf.get(term);
            total += weight;
            if (text.contains(term)) {
                found += weight;
            }
        }
        return total == 0 ? 0 : found / total;
    }

    static Set<String> terms(String text) {
        Set<String> terms = new LinkedHashSet<>();
        Matcher words = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (words.find()) {
            String word = words.group();
            if (!STOP.contains(word)) {
                terms.add(stem(word));
            }
        }
        return terms;
    }

    /** A light suffix stemmer (plural and common verb endings), enough to match "days" with "day". */
    static String stem(String word) {
        if (word.length() > 5 && word.endsWith("ies")) {
            return word.substring(0, word.length() - 3) + "y";
        }
        if (word.length() > 5 && word.endsWith("ing")) {
            return word.substring(0, word.length() - 3);
        }
        if (word.length() > 4 && word.endsWith("ed")) {
            return word.substring(0, word.length() - 2);
        }
        if (word.length() > 3 && word.endsWith("s") && !word.endsWith("ss")) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
