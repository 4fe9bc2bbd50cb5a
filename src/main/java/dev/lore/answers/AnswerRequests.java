package dev.lore.answers;

import java.util.Map;
import java.util.Set;

import org.springframework.stereotype.Component;

import dev.lore.answers.flare.FlareSettings;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchFilter;
import dev.lore.web.LoreException;

/** Reads an answer request's JSON body into a checked {@link AnswerRequest}, defaults filled from settings. */
@Component
public class AnswerRequests {

    private static final Set<String> FLARE_KEYS = Set.of("threshold", "maskBelow", "query", "lookaheadTokens",
            "maxRetrievals", "documents");

    private final AnswersProperties properties;

    AnswerRequests(AnswersProperties properties) {
        this.properties = properties;
    }

    /** The body of {@code POST /api/v1/answer}; {@code minSupport} overrides the refusal threshold. */
    public record AnswerBody(String collection, String question, String strategy, Integer topK, String rerank,
            Map<String, Object> filter, String generator, Map<String, Object> flare, Double minSupport) {
    }

    public AnswerRequest read(AnswerBody body) {
        boolean extractive = false;
        if (body.generator() != null) {
            if (!body.generator().strip().equalsIgnoreCase("none")) {
                throw LoreException.invalid("generator may only be \"none\" (an extractive answer quoted from the "
                        + "documents); leave it out to use the configured generator");
            }
            extractive = true;
        }
        int topK = body.topK() == null ? properties.topK() : body.topK();
        return new AnswerRequest(body.collection(), body.question(), Strategy.parse(body.strategy()), topK,
                RerankMode.parse(body.rerank()), SearchFilter.fromJson(body.filter()), extractive,
                flare(body.flare()), body.minSupport());
    }

    private FlareSettings flare(Map<String, Object> flare) {
        FlareSettings defaults = properties.flare().settings();
        if (flare == null) {
            return defaults;
        }
        for (String key : flare.keySet()) {
            if (!FLARE_KEYS.contains(key)) {
                throw LoreException.invalid("Unknown flare setting '" + key + "' (expected " + String.join(", ",
                        new java.util.TreeSet<>(FLARE_KEYS)) + ")");
            }
        }
        Object query = flare.get("query");
        if (query != null && !(query instanceof String)) {
            throw LoreException.invalid("flare.query must be masked or questions");
        }
        return new FlareSettings(number(flare, "threshold", defaults.threshold()),
                number(flare, "maskBelow", defaults.maskBelow()),
                query == null ? defaults.query() : FlareSettings.QueryMode.parse((String) query),
                integer(flare, "lookaheadTokens", defaults.lookaheadTokens()),
                integer(flare, "maxRetrievals", defaults.maxRetrievals()),
                integer(flare, "documents", defaults.documents()));
    }

    private static double number(Map<String, Object> settings, String key, double fallback) {
        Object value = settings.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number number)) {
            throw LoreException.invalid("flare." + key + " must be a number");
        }
        return number.doubleValue();
    }

    private static int integer(Map<String, Object> settings, String key, int fallback) {
        Object value = settings.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer number)) {
            throw LoreException.invalid("flare." + key + " must be an integer");
        }
        return number;
    }
}
