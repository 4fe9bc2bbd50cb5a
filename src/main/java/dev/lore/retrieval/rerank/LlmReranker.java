package dev.lore.retrieval.rerank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ResponseSchema;
import dev.lore.models.Generator;
import dev.lore.models.Reranker;
import dev.lore.models.TokenLogprob;
import dev.lore.prompts.Prompt;

/**
 * The generator as a reranker. With logprobs it judges each passage alone (pointwise): score = P(yes) / (P(yes) +
 * P(no)) from the first answer token's distribution. Without them it ranks windows of passages (RankGPT, Sun et al.
 * 2023: a window of 20 sliding from the bottom up by 10) and scores by final rank.
 */
final class LlmReranker implements Reranker {

    private static final Pattern IDENTIFIER = Pattern.compile("\\[(\\d+)]");

    private final Generator generator;
    private final Prompt pointwise;
    private final Prompt listwise;
    private final RerankProperties properties;
    private final ExecutorService executor;

    LlmReranker(Generator generator, Prompt pointwise, Prompt listwise, RerankProperties properties,
            ExecutorService executor) {
        this.generator = generator;
        this.pointwise = pointwise;
        this.listwise = listwise;
        this.properties = properties;
        this.executor = executor;
    }

    @Override
    public String name() {
        return (generator.supportsLogprobs() ? "llm-pointwise:" : "llm-listwise:") + generator.name();
    }

    @Override
    public List<Double> score(String query, List<String> passages) {
        if (passages.isEmpty()) {
            return List.of();
        }
        return generator.supportsLogprobs() ? pointwise(query, passages) : listwise(query, passages);
    }

    private List<Double> pointwise(String query, List<String> passages) {
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(1).withLogprobs(20);
        List<CompletableFuture<Double>> judgements = passages.stream()
                .map(passage -> CompletableFuture.supplyAsync(() -> {
                    String prompt = pointwise.render(Map.of("query", query, "passage", truncate(passage)));
                    List<TokenLogprob> tokens = generator.generate(GenerationRequest.of(prompt, options)).first()
                            .tokens();
                    return tokens.isEmpty() ? 0.0 : yesProbability(tokens.get(0));
                }, executor))
                .toList();
        return judgements.stream().map(LlmReranker::join).toList();
    }

    /** P(yes) / (P(yes) + P(no)) over the answer token and its alternatives; 0 when neither word is among them. */
    static double yesProbability(TokenLogprob first) {
        double yes = 0;
        double no = 0;
        Set<String> seen = new LinkedHashSet<>();
        List<TokenLogprob.Alternative> candidates = new ArrayList<>(first.top());
        candidates.add(new TokenLogprob.Alternative(first.token(), first.logprob()));
        for (TokenLogprob.Alternative alternative : candidates) {
            if (!seen.add(alternative.token())) {
                continue;
            }
            String word = alternative.token().replaceAll("[^\\p{L}]", "").toLowerCase(Locale.ROOT);
            if (word.equals("yes")) {
                yes += Math.exp(alternative.logprob());
            }
            else if (word.equals("no")) {
                no += Math.exp(alternative.logprob());
            }
        }
        return yes + no == 0 ? 0.0 : yes / (yes + no);
    }

    private List<Double> listwise(String query, List<String> passages) {
        int[] order = IntStream.range(0, passages.size()).toArray();
        int window = Math.min(properties.window(), passages.size());
        int end = passages.size();
        int start = end - window;
        while (true) {
            start = Math.max(start, 0);
            rankWindow(query, passages, order, start, end);
            if (start == 0) {
                break;
            }
            end -= properties.step();
            start -= properties.step();
        }
        Double[] scores = new Double[passages.size()];
        for (int rank = 0; rank < order.length; rank++) {
            scores[order[rank]] = 1.0 - (double) rank / order.length;
        }
        return Arrays.asList(scores);
    }

    private void rankWindow(String query, List<String> passages, int[] order, int start, int end) {
        int count = end - start;
        String numbered = IntStream.range(0, count)
                .mapToObj(i -> "[" + (i + 1) + "] " + truncate(passages.get(order[start + i])))
                .collect(Collectors.joining("\n"));
        String prompt = listwise.render(Map.of("count", count, "query", query, "passages", numbered));
        GenerationRequest request = GenerationRequest.of(prompt,
                GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(12 * count));
        if (generator.supportsStructuredOutput() && listwise.schema().isPresent()) {
            // {"ranking":["[2]","[1]"]}: the identifiers read in order, as from "[2] > [1]"
            request = request.withSchema(new ResponseSchema(listwise.name(), listwise.schema().get()));
        }
        String answer = generator.generate(request).text();
        int[] permuted = permutation(answer, count);
        int[] window = Arrays.copyOfRange(order, start, end);
        for (int i = 0; i < count; i++) {
            order[start + i] = window[permuted[i]];
        }
    }

    /** The window positions in the model's order: unknown or repeated identifiers are dropped, missing ones appended. */
    static int[] permutation(String answer, int count) {
        LinkedHashSet<Integer> ranked = new LinkedHashSet<>();
        Matcher matcher = IDENTIFIER.matcher(answer);
        while (matcher.find()) {
            try {
                int id = Integer.parseInt(matcher.group(1)) - 1;
                if (id >= 0 && id < count) {
                    ranked.add(id);
                }
            }
            catch (NumberFormatException ignored) {
                // an identifier too long to be one of ours
            }
        }
        for (int i = 0; i < count; i++) {
            ranked.add(i);
        }
        return ranked.stream().mapToInt(Integer::intValue).toArray();
    }

    private String truncate(String passage) {
        return passage.length() <= properties.maxPassageChars() ? passage
                : passage.substring(0, properties.maxPassageChars());
    }

    private static double join(CompletableFuture<Double> judgement) {
        try {
            return judgement.join();
        }
        catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}
