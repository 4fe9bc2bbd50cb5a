package dev.lore.agents.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.springframework.stereotype.Component;

import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelCalls;
import dev.lore.agents.ModelUse;
import dev.lore.models.Completion;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ResponseSchema;
import dev.lore.models.Generator;
import dev.lore.models.Generators;
import dev.lore.models.TokenLogprob;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Rates memories' importance 1-10 with the scorer model, many memories in one call. With logprobs a rating is the
 * expectation over the rating token's distribution (G-Eval, Liu et al. 2023), a continuous score; without, the
 * parsed integer (from lines or, where the scorer holds answers to the prompt's schema, from JSON, whose rating token
 * is found the same way); a rating that cannot be read gets {@code lore.agents.default-importance} and is counted in
 * {@code lore.agents.importance.fallbacks}.
 */
@Component
public class ImportanceRater {

    /** A rating and where it came from: {@code model}, {@code logprobs} or {@code default}. */
    public record Rating(double value, String from) {
    }

    /**
     * A rating line, read on the raw text so that the rating's offset finds its token: "1: 3", "- **1.** 3/10",
     * "Memory 2: rating 7".
     */
    private static final Pattern LINE = Pattern.compile("^[\\s>*_#\\-]*(?:memory\\s*#?\\s*)?"
            + "\\**(\\d{1,9})\\**\\s*[:.)\\-]+\\s*"
            + "\\**\\s*(?:(?:rating|importance|score)\\s*[:=]?\\s*)?\\**\\s*(\\d{1,2})\\b",
            Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);
    /**
     * A rating in a schema-held answer: {@code {"memory": 1, "rating": 3}}. Memory numbers have at most nine digits,
     * so that an answer numbering one 5555555555555555 is skipped rather than overflowing the parse.
     */
    private static final Pattern JSON_RATING = Pattern.compile(
            "\"memory\"\\s*:\\s*(\\d{1,9})\\s*,\\s*\"rating\"\\s*:\\s*(\\d{1,2})\\b");
    /** A token that is a rating, possibly with the JSON punctuation a tokenizer joined to it ({@code 7},}). */
    private static final Pattern RATING_TOKEN = Pattern.compile("^[\\s:\"]*(\\d{1,2})[\\s,}\\]\"]*$");

    private final Generators generators;
    private final Prompt prompt;
    private final Prompt structured;
    private final AgentsProperties properties;
    private final MeterRegistry meters;

    ImportanceRater(Generators generators, Prompts prompts, AgentsProperties properties, MeterRegistry meters) {
        this.generators = generators;
        this.prompt = prompts.require("agent-importance", "memories");
        this.structured = prompts.require("structured-output", "schema");
        this.properties = properties;
        this.meters = meters;
    }

    /** One rating per text, in order; {@code ratingBatch} texts per model call. */
    public List<Rating> rate(List<String> texts, ModelUse use) {
        List<Rating> ratings = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += properties.ratingBatch()) {
            ratings.addAll(rateBatch(texts.subList(from, Math.min(texts.size(), from + properties.ratingBatch())),
                    use));
        }
        return ratings;
    }

    private List<Rating> rateBatch(List<String> texts, ModelUse use) {
        Generator generator = generators.scorer().orElse(null);
        if (generator == null) {
            return fallbacks(texts.size(), "no-model");
        }
        String memories = IntStream.range(0, texts.size())
                .mapToObj(i -> (i + 1) + ". " + texts.get(i).strip().replaceAll("\\s+", " "))
                .collect(Collectors.joining("\n"));
        String rendered = prompt.render(Map.of("memories", memories));
        ResponseSchema schema = generator.supportsStructuredOutput() ? prompt.schema()
                .map(json -> new ResponseSchema(prompt.name(), json)).orElse(null) : null;
        // a JSON rating ({"memory":1,"rating":7},) takes about three times the tokens of a line ("1: 7"); the local
        // engine starts closing a schema-held answer well before its limit, so a tight limit would cut the list
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(0.0)
                .withMaxTokens(schema == null ? 8 * texts.size() + 8 : 24 * texts.size() + 64);
        if (generator.supportsLogprobs()) {
            options = options.withLogprobs(20);
        }
        if (schema != null) {
            rendered = rendered.strip() + "\n\n" + structured.render(Map.of("schema", schema.json()));
        }
        GenerationRequest request = GenerationRequest.of(rendered, options).withSchema(schema);
        Completion completion = use.record(ModelCalls.call("rate " + memories,
                () -> generator.generate(request))).first();
        Map<Integer, Rating> byNumber = parse(completion);
        List<Rating> ratings = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Rating rating = byNumber.get(i + 1);
            ratings.add(rating != null ? rating : fallback("unreadable"));
        }
        return ratings;
    }

    /** The ratings a completion gives by memory number; each line's rating token read for its distribution. */
    static Map<Integer, Rating> parse(Completion completion) {
        String text = completion.text();
        int[] starts = tokenStarts(completion);
        Map<Integer, Rating> ratings = new HashMap<>();
        Matcher line = (JSON_RATING.matcher(text).find() ? JSON_RATING : LINE).matcher(text);
        while (line.find()) {
            int number = Integer.parseInt(line.group(1));
            int value = Integer.parseInt(line.group(2));
            if (value < 1 || value > 10 || ratings.containsKey(number)) {
                continue;
            }
            OptionalDouble expected = starts == null ? OptionalDouble.empty()
                    : expectationAt(completion.tokens(), starts, line.start(2), line.group(2));
            ratings.put(number, expected.isPresent() ? new Rating(expected.getAsDouble(), "logprobs")
                    : new Rating(value, "model"));
        }
        return ratings;
    }

    /**
     * The G-Eval expectation: sum of rating x probability over the alternatives at the rating's token that are whole
     * numbers 1-10, divided by their summed probability (the mass on other tokens says nothing about the rating).
     */
    static OptionalDouble expectation(TokenLogprob token) {
        Map<Integer, Double> probabilities = new HashMap<>();
        List<TokenLogprob.Alternative> candidates = new ArrayList<>(token.top());
        candidates.add(new TokenLogprob.Alternative(token.token(), token.logprob()));
        for (TokenLogprob.Alternative alternative : candidates) {
            Matcher digits = RATING_TOKEN.matcher(alternative.token());
            if (!digits.matches()) {
                continue;
            }
            int rating = Integer.parseInt(digits.group(1));
            if (rating >= 1 && rating <= 10) {
                probabilities.putIfAbsent(rating, Math.exp(alternative.logprob()));
            }
        }
        double mass = probabilities.values().stream().mapToDouble(Double::doubleValue).sum();
        if (mass <= 0) {
            return OptionalDouble.empty();
        }
        double expected = probabilities.entrySet().stream().mapToDouble(e -> e.getKey() * e.getValue()).sum() / mass;
        return OptionalDouble.of(Math.max(1, Math.min(10, expected)));
    }

    /** The expectation at the token that holds exactly the rating's digits, if the tokens line up with the text. */
    private static OptionalDouble expectationAt(List<TokenLogprob> tokens, int[] starts, int offset, String digits) {
        for (int i = 0; i < tokens.size(); i++) {
            int end = i + 1 < starts.length ? starts[i + 1] : Integer.MAX_VALUE;
            if (starts[i] <= offset && offset < end) {
                Matcher token = RATING_TOKEN.matcher(tokens.get(i).token());
                return starts[i] + tokens.get(i).token().indexOf(digits) == offset && token.matches()
                        && token.group(1).equals(digits) ? expectation(tokens.get(i)) : OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }

    /** Where each token starts in the text, or {@code null} when the tokens do not spell the text. */
    private static int[] tokenStarts(Completion completion) {
        if (!completion.hasLogprobs()) {
            return null;
        }
        int[] starts = new int[completion.tokens().size() + 1];
        StringBuilder spelled = new StringBuilder();
        for (int i = 0; i < completion.tokens().size(); i++) {
            starts[i] = spelled.length();
            spelled.append(completion.tokens().get(i).token());
        }
        starts[completion.tokens().size()] = spelled.length();
        return spelled.toString().equals(completion.text()) ? starts : null;
    }

    private List<Rating> fallbacks(int count, String reason) {
        List<Rating> ratings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ratings.add(fallback(reason));
        }
        return ratings;
    }

    private Rating fallback(String reason) {
        meters.counter("lore.agents.importance.fallbacks", "reason", reason).increment();
        return new Rating(properties.defaultImportance(), "default");
    }
}
